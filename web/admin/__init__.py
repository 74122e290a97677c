"""Admin pages: users, API tokens, the audit log, the SIP ban list, backups."""

from web.admin import backup, records, settings, tls  # noqa: F401  (they register their routes on bp)
from web.admin.routes import bp
from web.admin.tools import bp as tools_bp

__all__ = ["bp", "tools_bp"]
