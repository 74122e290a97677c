"""``POST /api/dispatchers/<name>/login`` and ``/logout``, ``GET /api/pause-reasons``,
``GET /api/reports/pauses``. Pausing stays ``POST /api/dispatchers/<name>/pause``
(web/api.py) and takes ``{"paused", "reason"}``.

Who may: supervisors and admins for anyone, a dispatcher for themselves (the same
rule as pausing: web.security.may_pause). Roles per route: web.security.ROUTE_ROLES.
"""

from __future__ import annotations

import logging

from flask import Blueprint, g, jsonify, request

from appliance.acd.pauselog import pause_totals
from appliance.store.db import db_path, open_db
from web.context import web_context
from web.errors import api_error
from web.i18n import gettext as _
from web.security import audit, may_pause

log = logging.getLogger("callbox.web.queues")

bp = Blueprint("queues", __name__, url_prefix="/api")


def _presence(name: str, action: str):
    identity = g.identity
    if not may_pause(identity, name):
        return api_error(403, "forbidden", _("Only supervisors and admins change other "
                                             "dispatchers; a dispatcher may change only "
                                             "themselves."))
    result = web_context().control.action(action, dispatcher=name)  # errors: web.errors
    log.info("dispatcher %s %s by user=%s role=%s", name, action, identity.name, identity.role)
    return jsonify({"ok": True, "result": result})


@bp.post("/dispatchers/<name>/login")
def login(name: str):
    """Log in: the dispatcher is rung for callers again. Returns their state."""
    return _presence(name, "login")


@bp.post("/dispatchers/<name>/logout")
def logout(name: str):
    """Log out: never rung, shown offline (during a call: once it ends)."""
    return _presence(name, "logout")


@bp.get("/pause-reasons")
def pause_reasons():
    """The core's ``[acd] pause_reasons`` (what the pause buttons offer)."""
    return jsonify(web_context().control.action("pause_reasons"))


@bp.get("/reports/pauses")
def pause_report():
    """Seconds paused per dispatcher and reason: ``?since=&until=`` (ISO 8601 UTC)."""
    since, until = request.args.get("since", ""), request.args.get("until", "")
    conn = open_db(db_path(web_context().data_dir), readonly=True)
    try:
        return jsonify(pause_totals(conn, since, until))
    finally:
        conn.close()


@bp.post("/calls/<call_id>/supervise")
def supervise(call_id: str):
    """Supervisors, admins: ``{"mode": "listen"|"whisper"|"barge"}`` — the box rings
    ``[acd] supervisor_phone`` and joins it to the conversation (or switches the mode)."""
    args = request.get_json(silent=True) if request.content_length else {}
    mode = args.get("mode", "listen") if isinstance(args, dict) else None
    if mode not in ("listen", "whisper", "barge"):
        return api_error(400, "bad_request", _('The body must be {"mode": "listen", '
                                               '"whisper" or "barge"}.'))
    result = web_context().control.action("supervise", call_id=call_id, mode=mode)
    audit("call.supervise", f"call {call_id}", mode=mode)
    return jsonify({"ok": True, "result": result})


@bp.post("/dispatchers/<name>/escalate")
def escalate(name: str):
    """One click: the supervisor joins this dispatcher's current call (barge)."""
    if not may_pause(g.identity, name):
        return api_error(403, "forbidden", _("Only supervisors and admins change other "
                                             "dispatchers; a dispatcher may change only "
                                             "themselves."))
    result = web_context().control.action("escalate", dispatcher=name)
    audit("call.escalate", f"dispatcher {name}")
    return jsonify({"ok": True, "result": result})
