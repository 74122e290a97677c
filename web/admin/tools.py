"""The technician's Tools page (next to Health): the box's network, modems' identity,
lamp test, modem power cycle, a test call, restart, shut down, and the log viewer.
Each button is a core control action (appliance/system/techtools.py); every use is
audited."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from appliance.errors import ControlError
from appliance.system.logview import recent_lines
from appliance.system.netinfo import interfaces
from web.context import web_context
from web.i18n import gettext as _
from web.i18n import message as core_message
from web.security import audit

bp = Blueprint("tools", __name__, url_prefix="/tools", template_folder="templates")

BUTTONS = ("lamp_test", "modem_info", "modem_power_cycle", "core_restart", "box_shutdown")


def _core(action: str, **args):
    """(result, None) or (None, the reason in the reader's language)."""
    try:
        return web_context().control.action(action, **args), None
    except ControlError as exc:
        msgid = getattr(exc, "msgid", "") or ""
        params = getattr(exc, "params", None) or {}
        return None, core_message(msgid, params) if msgid else str(exc)


def _page(status: int = 200, result=None, error: str | None = None, done: str = ""):
    ctx = web_context()
    info, core_error = _core("core_info")
    lines = [g.name for g in ctx.config.gsm]
    return render_template(
        "tools/tools.html", system=ctx.health.read(), network=interfaces(), core=info,
        core_error=core_error, lines=lines, dispatchers=[d.name for d in ctx.config.dispatcher],
        result=result, error=error, done=done), status


@bp.get("")
def page():
    return _page()


@bp.post("/<action>")
def act(action: str):
    if action not in BUTTONS:
        return _page(404, error=_("There is no such tool."))
    args = {"line": request.form.get("line", "")[:64]} if action.startswith("modem") else {}
    result, error = _core(action, **args)
    audit(f"tools.{action}", args.get("line", ""), ok=error is None)
    if error:
        return _page(409, error=error)
    done = {"lamp_test": _("Every lamp lights alone, one after the other."),
            "modem_power_cycle": _("The modem was switched off and on; it needs about a "
                                   "minute to come back."),
            "core_restart": _("The call system restarts; calls in progress are cut."),
            "box_shutdown": _("The box shuts down. Unplug it when the green light stops "
                              "flashing."),
            "modem_info": ""}[action]
    return _page(result=result if action == "modem_info" else None, done=done)


@bp.post("/test-call")
def test_call():
    """The box rings a dispatcher's phone, then calls the number: both ends of a real call."""
    number = (request.form.get("number") or "").strip()[:32]
    dispatcher = (request.form.get("dispatcher") or "").strip()[:64]
    line = (request.form.get("line") or "").strip()[:64]
    if not number or not dispatcher:
        return _page(400, error=_("Choose a dispatcher's phone and give a number to call."))
    extra = {"line": line} if line else {}
    _result, error = _core("call_back", dispatcher=dispatcher, number=number, **extra)
    audit("tools.test_call", dispatcher, line=line, ok=error is None)
    if error:
        return _page(409, error=error)
    return _page(done=_("%(dispatcher)s's phone rings now; when answered, the box calls the "
                        "number.", dispatcher=dispatcher))


@bp.get("/logs")
def logs():
    try:
        count = int(request.args.get("lines", "300"))
    except ValueError:
        count = 300
    return render_template("tools/logs.html", lines=recent_lines(web_context().data_dir, count))
