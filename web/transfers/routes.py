"""``POST /api/calls/<call_id>/transfer {"to", "mode": "blind"|"attended"}``,
``POST /api/calls/<call_id>/transfer/complete`` and ``/transfer/cancel``.

Who may: supervisors and admins for any call, a dispatcher for their own call only (the
dispatcher on it, or the one transferring it: the same rule as pausing,
web.security.may_pause). Roles per route: web.security.ROUTE_ROLES. A page's session
write must be JSON (web.security: the API's CSRF rule). The core does the work
(appliance/transfer, control actions ``transfer``, ``transfer_complete``,
``transfer_cancel``); its refusals come back translated (web.errors).
"""

from __future__ import annotations

import logging

from flask import Blueprint, g, jsonify, request

from web.context import web_context
from web.errors import api_error
from web.i18n import gettext as _
from web.security import audit, may_pause

log = logging.getLogger("callbox.web.transfers")

bp = Blueprint("transfers", __name__, url_prefix="/api")


def call_owner(status: dict, call_id: str) -> str:
    """The dispatcher whose call ``call_id`` is (the one transferring it, while it moves)."""
    for transfer in status.get("transfers") or []:
        if transfer.get("call_id") == call_id:
            return transfer.get("from", "")
    return next((d["name"] for d in status.get("dispatchers", []) if d.get("on_call") == call_id), "")


def _allowed(call_id: str):
    if may_pause(g.identity, call_owner(web_context().control.status(), call_id)):
        return None
    return api_error(403, "forbidden", _("A dispatcher may transfer only their own call; "
                                         "supervisors and admins any call."))


@bp.post("/calls/<call_id>/transfer")
def start(call_id: str):
    """Ring ``to`` (a dispatcher's name or extension) to take the call over."""
    args = request.get_json(silent=True) if request.content_length else None
    args = args if isinstance(args, dict) else {}
    to, mode = str(args.get("to") or "").strip(), args.get("mode", "blind")
    if not to or mode not in ("blind", "attended"):
        return api_error(400, "bad_request", _('The body must be {"to": "<dispatcher>", '
                                               '"mode": "blind" or "attended"}.'))
    refused = _allowed(call_id)
    if refused is not None:
        return refused
    result = web_context().control.action("transfer", call_id=call_id, to=to, mode=mode)
    audit("call.transfer", f"call {call_id}", to=to, mode=mode)
    log.info("call_id=%s %s transfer to %s by user=%s", call_id, mode, to, g.identity.name)
    return jsonify({"ok": True, "result": result})


def _step(call_id: str, action: str):
    refused = _allowed(call_id)
    if refused is not None:
        return refused
    result = web_context().control.action(action, call_id=call_id)
    audit("call." + action, f"call {call_id}")
    return jsonify({"ok": True, "result": result})


@bp.post("/calls/<call_id>/transfer/complete")
def complete(call_id: str):
    """Attended: the caller goes to the dispatcher consulted; the one transferring is released."""
    return _step(call_id, "transfer_complete")


@bp.post("/calls/<call_id>/transfer/cancel")
def cancel(call_id: str):
    """Back to the caller: the consulted dispatcher's leg is hung up."""
    return _step(call_id, "transfer_cancel")
