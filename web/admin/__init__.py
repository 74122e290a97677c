"""Admin pages: users, API tokens, the audit log, the SIP ban list, backups."""

from web.admin import records  # noqa: F401  (registers its routes on bp)
from web.admin.routes import bp

__all__ = ["bp"]
