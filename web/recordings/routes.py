"""``/recordings`` (page), ``GET /api/recordings?call_id=&limit=``,
``GET /api/recordings/<id>/audio``. Supervisors and admins only (ROUTE_ROLES);
every playback is written to the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, send_file, url_for

from appliance.recording.store import Recording, RecordingStore
from appliance.store.db import db_path
from web.context import web_context
from web.errors import api_error
from web.i18n import gettext as _
from web.security import audit

bp = Blueprint("recordings", __name__, template_folder="templates")

MAX_LIMIT = 500
MIME = {".ogg": "audio/ogg", ".wav": "audio/wav"}


def store() -> RecordingStore:
    data = web_context().data_dir
    return RecordingStore(data, db_path(data))


def as_json(rec: Recording) -> dict:
    return {"id": rec.id, "call_id": rec.call_id, "queue": rec.queue,
            "dispatcher": rec.dispatcher, "started_at": rec.started_at, "seconds": rec.seconds,
            "bytes": rec.bytes, "url": url_for("recordings.audio", rec_id=rec.id)}


def _limit() -> int | None:
    try:
        limit = int(request.args.get("limit", "100"))
    except ValueError:
        return None
    return limit if 1 <= limit <= MAX_LIMIT else None


@bp.get("/recordings")
def page():
    call_id = request.args.get("call_id", "")
    rows = [as_json(r) for r in store().list(call_id, 200)]
    return render_template("recordings/recordings.html", rows=rows, call_id=call_id)


@bp.get("/api/recordings")
def list_api():
    limit = _limit()
    if limit is None:
        return api_error(400, "bad_request", _("limit must be 1 to %(n)d", n=MAX_LIMIT))
    return jsonify([as_json(r) for r in store().list(request.args.get("call_id", ""), limit)])


@bp.get("/api/recordings/<int:rec_id>/audio")
def audio(rec_id: int):
    rec = store().get(rec_id)
    path = store().file(rec) if rec is not None else None
    if path is None or not path.is_file():
        abort(404, _("No such recording."))
    audit("recording.play", f"recording {rec_id}", call_id=rec.call_id)
    return send_file(path, mimetype=MIME.get(path.suffix, "application/octet-stream"),
                     max_age=0)


def recordings_of_calls(conn, call_row_ids: list[int]) -> dict[int, str]:
    """``calls.id`` → URL of its (first) recording, for the call log's rows; only for
    readers allowed to listen (supervisors, admins), else ``{}``."""
    from web.security import MANAGERS, has_role
    if not call_row_ids or not has_role(*MANAGERS):
        return {}
    marks = ",".join("?" * len(call_row_ids))
    try:
        rows = conn.execute(f"SELECT c.id AS row_id, MIN(r.id) AS rec_id FROM calls c JOIN "
                            f"recordings r ON r.call_id = c.call_id WHERE c.id IN ({marks}) "
                            f"GROUP BY c.id", list(call_row_ids)).fetchall()
    except Exception:  # a database from before the recordings table: nothing recorded
        return {}
    return {r[0]: url_for("recordings.audio", rec_id=r[1]) for r in rows}
