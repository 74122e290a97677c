"""The IVR editor: /ivr (menus, hours, holidays, night mode, prompts) and /api/ivr."""

from web.ivr.blueprint import bp
from web.ivr import prompts_api, routes  # noqa: F401  (routes on bp)

__all__ = ["bp"]
