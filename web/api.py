"""JSON API: status, call records, SMS and USSD, health, the SSE event stream, and
actions relayed to the core."""

from __future__ import annotations

import logging
from typing import Callable, Iterator

from flask import Blueprint, Response, g, jsonify, request

from web.callfilters import BadFilter, parse_filters
from web.context import calls_db, web_context
from web.errors import api_error
from web.health import health_report
from web.i18n import gettext as _
from web.i18n import localize_status
from web.messages import parse_limit
from appliance.auth.privacy import mask, mask_number
from web.security import (MANAGERS, for_reader, has_role, may_call_back, may_pause,
                          sees_personal_data)  # roles: web.security.ROUTE_ROLES
from web.smsqueries import last_ussd, list_messages
from web.sse import EventStream

log = logging.getLogger("callbox.web")

bp = Blueprint("api", __name__, url_prefix="/api")

CALLS_MAX_LIMIT = 1000
BULK_ROWS = 100  # more at once is a bulk view of personal data (docs/security.md)


@bp.get("/status")
def status():
    # CoreUnavailable -> 503 core_down
    response = jsonify(for_reader(localize_status(web_context().control.status())))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/calls")
def calls():
    ctx = web_context()
    try:
        filters = parse_filters(request.args, ctx.tz, max_limit=CALLS_MAX_LIMIT)
    except BadFilter as exc:
        return api_error(400, "bad_request", str(exc))
    if filters.limit > BULK_ROWS and not has_role(*MANAGERS):  # bulk views: supervisors
        return api_error(403, "forbidden", f"More than {BULK_ROWS} records at once need the "
                                           "role supervisor or admin.")
    with calls_db() as conn:
        return jsonify(for_reader(filters.search(conn, ctx.config.office.country)))


@bp.get("/events")
def events():
    ctx = web_context()
    owner = g.identity.name
    if not ctx.streams.acquire(owner):
        return api_error(503, "too_many_streams",
                         _("Too many live pages are open; close one and try again."))
    stream = EventStream(ctx.control.subscribe, heartbeat_s=ctx.sse_heartbeat_s,
                         retry_s=ctx.sse_retry_s,
                         transform=None if sees_personal_data() else mask)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Response(_Released(stream, lambda: ctx.streams.release(owner)),
                    mimetype="text/event-stream",
                    headers=headers)


class _Released:
    """The stream, giving its slot back when the server closes it (even if never iterated)."""

    def __init__(self, stream: EventStream, release: Callable[[], None]):
        self._stream = stream
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[str]:
        return iter(self._stream)

    def close(self) -> None:
        self._stream.close()
        if self._release is not None:
            self._release, release = None, self._release
            release()


@bp.post("/actions/<name>")
def action(name: str):
    args = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(args, dict):
        return api_error(400, "bad_request", _("The body must be a JSON object of arguments."))
    result = web_context().control.action(name, **args)  # errors map in web.errors
    return jsonify({"ok": True, "result": result})


@bp.post("/dispatchers/<name>/pause")
def pause(name: str):
    """Pause (``{"paused": true}``, the default) or resume a dispatcher. Supervisors and
    admins may do it for anyone, a dispatcher only for themselves (see may_pause)."""
    identity = g.identity
    if not may_pause(identity, name):
        return api_error(403, "forbidden", _("Only supervisors and admins pause other "
                                             "dispatchers; a dispatcher may pause only "
                                             "themselves."))
    args = request.get_json(silent=True) if request.content_length else {}
    paused = args.get("paused", True) if isinstance(args, dict) else None
    reason = args.get("reason", "") if isinstance(args, dict) else None
    if not isinstance(paused, bool) or not isinstance(reason, str):
        return api_error(400, "bad_request",
                         _('The body must be {"paused": true|false, "reason": "..."}.'))
    result = web_context().control.action("pause", dispatcher=name, paused=paused,
                                          reason=reason)
    log.info("dispatcher %s %s by user=%s role=%s", name, "paused" if paused else "resumed",
             identity.name, identity.role)
    return jsonify({"ok": True, "result": result})


@bp.post("/callbacks")
def callback():
    """Click-to-call: ``{"number", "dispatcher", "line"?}``. The dispatcher's phone rings,
    then the core calls the number. A dispatcher calls back as themselves (``dispatcher``
    may be left out); supervisors and admins name the dispatcher."""
    identity = g.identity
    args = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(args, dict):
        return api_error(400, "bad_request", _("The body must be a JSON object."))
    own = identity.dispatcher if identity.role == "dispatcher" else ""
    number, dispatcher, line = (args.get("number"), args.get("dispatcher") or own,
                                args.get("line") or "")
    if not isinstance(number, str) or not number.strip():
        return api_error(400, "bad_request", _("Give the number to call back."))
    if not isinstance(dispatcher, str) or not dispatcher.strip():
        return api_error(400, "bad_request", _("Choose the dispatcher who calls back."))
    if not isinstance(line, str):
        return api_error(400, "bad_request", _("The line must be a line name."))
    if not may_call_back(identity, dispatcher):
        return api_error(403, "forbidden", _("A dispatcher calls back only as themselves; "
                                             "supervisors and admins choose any dispatcher."))
    extra = {"line": line} if line else {}
    result = web_context().control.action("call_back", dispatcher=dispatcher,
                                          number=number.strip(), **extra)
    log.info("callback to %s by dispatcher=%s asked by user=%s role=%s", mask_number(number),
             dispatcher, identity.name, identity.role)
    return jsonify({"ok": True, "result": result})


@bp.get("/messages")
def messages():
    try:
        limit = parse_limit(request.args)
    except BadFilter as exc:
        return api_error(400, "bad_request", str(exc))
    with calls_db() as conn:
        return jsonify(list_messages(conn, request.args.get("number"), limit,
                                     web_context().config.office.country))


@bp.get("/ussd")
def ussd():
    with calls_db() as conn:
        return jsonify(last_ussd(conn))


@bp.get("/health")
def health():
    response = jsonify(health_report())
    response.headers["Cache-Control"] = "no-store"
    return response
