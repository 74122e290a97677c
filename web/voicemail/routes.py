"""``/voicemail`` and ``/api/voicemail``: messages newest first, unread count, playback,
marked handled with who handled it (``heard_by``). Playback is audited."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, g, jsonify, render_template, request, send_file, url_for

from appliance.voicemail.store import Message, VoicemailStore
from web.context import web_context
from web.errors import api_error
from web.i18n import gettext as _, js_strings
from web.security import audit
from web.voicemail.strings import JS_STRINGS

log = logging.getLogger("callbox.web.voicemail")

bp = Blueprint("voicemail", __name__, template_folder="templates", static_folder="static",
               static_url_path="/voicemail/static")

MAX_LIMIT = 500


def store() -> VoicemailStore:
    return VoicemailStore(web_context().data_dir)


def as_json(m: Message) -> dict:
    """The contract: ``{id, caller, at, duration_s, queue, heard_by, url}`` (+ a few more)."""
    return {"id": m.id, "caller": m.caller, "at": m.at, "duration_s": m.duration_s,
            "queue": m.queue or None, "heard_by": m.heard_by,
            "url": url_for("voicemail.audio", message_id=m.id),
            "reason": m.reason, "heard_at": m.heard_at}


@bp.get("/voicemail")
def page():
    settings = {"strings": js_strings(JS_STRINGS), "listUrl": url_for("voicemail.list_api"),
                "handledUrl": url_for("voicemail.handled", message_id=0),
                "eventsUrl": url_for("api.events"),
                "timezone": web_context().tz.key}
    return render_template("voicemail/voicemail.html", settings=settings)


@bp.get("/api/voicemail")
def list_api():
    raw = request.args.get("limit", "100")
    try:
        limit = int(raw)
    except ValueError:
        return api_error(400, "bad_request", _("limit must be a whole number"))
    if not 1 <= limit <= MAX_LIMIT:
        return api_error(400, "bad_request", _("limit must be 1 to %(n)d", n=MAX_LIMIT))
    messages = [as_json(m) for m in store().list(limit)]
    response = jsonify(messages)
    response.headers["X-Unread"] = str(store().unread())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/voicemail/unread")
def unread():
    return jsonify({"unread": store().unread()})


@bp.get("/api/voicemail/<int:message_id>.wav")
def audio(message_id: int):
    message = store().get(message_id)
    if message is None or not store().file(message).is_file():
        abort(404, _("No such voicemail."))
    audit("voicemail.play", f"voicemail {message_id}", caller=message.caller)
    return send_file(store().file(message), mimetype="audio/wav", max_age=0)


@bp.post("/api/voicemail/<int:message_id>/handled")
def handled(message_id: int):
    identity = g.get("identity")
    message = store().mark_handled(message_id, identity.name if identity else "?")
    if message is None:
        return api_error(404, "not_found", _("No such voicemail."))
    audit("voicemail.handled", f"voicemail {message_id}")
    return jsonify({**as_json(message), "unread": store().unread()})
