"""The live status page: lines, dispatchers, queues and lamps, updated by SSE."""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for

from appliance.errors import ControlError
from web.context import web_context
from web.i18n import current_translator, js_strings, localize_status
from web.i18n_pages import live_js_strings
from web.security import for_reader, ACTION_ROLES, has_role, may_pause
from web.sse import event_names

bp = Blueprint("live", __name__)


@bp.get("/")
def index():
    try:
        status, core_up = for_reader(localize_status(web_context().control.status())), True
    except ControlError:
        status, core_up = None, False  # the page still serves; the banner says why it is empty
    settings = {
        "lang": current_translator().lang, "timezone": web_context().tz.key,
        "strings": js_strings(live_js_strings()),
        "events": event_names(), "status": status, "coreUp": core_up,
        "statusUrl": url_for("api.status"), "eventsUrl": url_for("api.events"),
        "loginUrl": url_for("auth.login"),
        # queue -> seconds after which a waiting caller shows amber (red at twice that)
        "targets": {q.name: q.target_wait_s for q in web_context().config.queue},
        "canPause": _pausable(),
        "pauseUrl": url_for("api.pause", name="__name__"),
        "presenceUrls": {"login": url_for("queues.login", name="__name__"),
                         "logout": url_for("queues.logout", name="__name__")},
        "pauseReasons": list(web_context().config.acd.pause_reasons),
        "superviseUrl": url_for("queues.supervise", call_id="__call__"),
        "escalateUrl": url_for("queues.escalate", name="__name__"),
        "transferUrl": url_for("transfers.start", call_id="__call__"),
        "canSupervise": has_role(*ACTION_ROLES) and bool(web_context().config.acd.supervisor_phone),
        "canSwitchDemo": has_role(*ACTION_ROLES),
        "callersUrl": url_for("api.action", name="callers"),
    }
    return render_template("live.html", core_up=core_up, settings=settings)


def _pausable() -> str | list[str]:
    """Whose Pause buttons to show: "*" = everyone's, else these names (the API checks again)."""
    if has_role(*ACTION_ROLES):
        return "*"
    identity = g.identity
    own = identity.dispatcher  # the dispatcher this user is linked to, if any
    return [own] if own and may_pause(identity, own) else []
