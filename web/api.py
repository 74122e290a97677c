"""JSON API: status, call records, the SSE event stream, actions relayed to the core."""

from __future__ import annotations

from typing import Callable, Iterator

from flask import Blueprint, Response, jsonify, request

from web.callfilters import BadFilter, parse_filters
from web.context import calls_db, web_context
from web.errors import api_error
from web.security import ACTION_ROLES, require_role
from web.sse import EventStream

bp = Blueprint("api", __name__, url_prefix="/api")

CALLS_MAX_LIMIT = 1000


@bp.get("/status")
def status():
    response = jsonify(web_context().control.status())  # CoreUnavailable -> 503 core_down
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/calls")
def calls():
    ctx = web_context()
    try:
        filters = parse_filters(request.args, ctx.tz, max_limit=CALLS_MAX_LIMIT)
    except BadFilter as exc:
        return api_error(400, "bad_request", str(exc))
    with calls_db() as conn:
        return jsonify(filters.search(conn, ctx.config.office.country))


@bp.get("/events")
def events():
    ctx = web_context()
    if not ctx.streams.acquire():
        return api_error(503, "too_many_streams",
                         "Too many live pages are open; close one and try again.")
    stream = EventStream(ctx.control.subscribe, heartbeat_s=ctx.sse_heartbeat_s,
                         retry_s=ctx.sse_retry_s)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Response(_Released(stream, ctx.streams.release), mimetype="text/event-stream",
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
@require_role(*ACTION_ROLES)
def action(name: str):
    args = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(args, dict):
        return api_error(400, "bad_request", "The body must be a JSON object of arguments.")
    result = web_context().control.action(name, **args)  # errors map in web.errors
    return jsonify({"ok": True, "result": result})
