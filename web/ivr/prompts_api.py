"""Prompts on the IVR page: list and listen, upload or type, listen to the preview, save.

Uploads (WAV, MP3, OGG) are converted by sox to 8 kHz mono 16-bit PCM; typed text is
spoken by espeak-ng. Both become a *preview* first; saving moves it into
``<data>/prompts/custom/<lang>/<key>.wav`` and asks the core to reload its prompts.
A refused file changes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import abort, jsonify, request, send_file, url_for

from appliance.i18n import N_
from appliance.prompts.catalog import prompt_keys
from appliance.prompts.texts import TEXTS
from appliance.prompts.tts import EspeakSynthesizer
from appliance.prompts.uploads import (LANGUAGES, PromptRefused, UploadedPrompts, check_key,
                                       check_language)
from web.context import web_context
from web.i18n import gettext as _, message
from web.ivr.blueprint import bp
from web.ivr.routes import reload_core
from web.security import audit

log = logging.getLogger("callbox.web.ivr")

MAX_UPLOAD = 16 * 1024 * 1024  # a 5-minute MP3 is far below; the app's default is 64 KiB


def uploads() -> UploadedPrompts:
    return UploadedPrompts(web_context().data_dir)


def refused(exc: PromptRefused):
    log.info("prompt refused: %s", exc)
    response = jsonify({"error": "prompt_refused", "message": message(exc.msgid, exc.params),
                        "detail": exc.detail})
    response.status_code = 400
    return response


def _audio_of(lang: str, key: str) -> Path | None:
    """What the box plays for ``key`` in ``lang``: a saved prompt, else the generated one."""
    saved = uploads().path(lang, key)
    if saved.is_file():
        return saved
    made = web_context().data_dir / "prompts" / lang / f"{key}.wav"
    return made if made.is_file() else None


@bp.get("/api/ivr/prompts")
def prompts():
    ctx = web_context()
    keys = sorted(set().union(*(prompt_keys(ctx.config, ctx.data_dir, lang)
                                for lang in LANGUAGES)) - {"hold_music"})
    rows = []
    for key in keys:
        langs = {}
        for lang in LANGUAGES:
            if key not in prompt_keys(ctx.config, ctx.data_dir, lang):
                langs[lang] = None
                continue
            langs[lang] = {"url": url_for("ivr.prompt_audio", lang=lang, key=key),
                           "saved": uploads().path(lang, key).is_file(),
                           "made": _audio_of(lang, key) is not None,
                           "text": TEXTS.get(lang, {}).get(key, "")}
        rows.append({"key": key, "languages": langs})
    return jsonify(rows)


@bp.get("/api/ivr/prompts/<lang>/<key>.wav")
def prompt_audio(lang: str, key: str):
    try:
        path = _audio_of(check_language(lang), check_key(key))
    except PromptRefused:
        abort(404)
    if path is None:
        abort(404, _("This prompt has not been made yet; it is made when the core starts."))
    return send_file(path, mimetype="audio/wav", max_age=0)


@bp.url_value_preprocessor
def _allow_big_uploads(endpoint, values):
    # Runs before the app's before_request hooks (which read the form for its CSRF
    # token), so the upload's size limit applies to that first parse.
    if endpoint == "ivr.upload":
        request.max_content_length = MAX_UPLOAD


@bp.post("/api/ivr/prompts/preview")
def preview():
    """JSON ``{text, language}``: espeak-ng speaks it into a preview."""
    body = request.get_json(silent=True) or {}
    config = web_context().config
    try:
        lang = check_language(str(body.get("language") or config.office.language))
        voice = config.prompts.voice if lang == config.office.language else ""
        token = uploads().preview_text(str(body.get("text") or ""), lang, EspeakSynthesizer(),
                                       voice)
    except PromptRefused as exc:
        return refused(exc)
    return jsonify({"token": token, "url": url_for("ivr.preview_audio", token=token)})


@bp.post("/ivr/prompts/upload")
def upload():
    """A form upload (``file``: WAV/MP3/OGG, with the page's CSRF token): sox converts it."""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise PromptRefused(N_("choose a WAV, MP3 or OGG file"))
        token = uploads().preview_upload(upload.read(), upload.filename)
    except PromptRefused as exc:
        return refused(exc)
    return jsonify({"token": token, "url": url_for("ivr.preview_audio", token=token)})


@bp.get("/api/ivr/prompts/preview/<token>.wav")
def preview_audio(token: str):
    try:
        path = uploads().preview_file(token)
    except PromptRefused:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=0)


@bp.post("/api/ivr/prompts")
def save_prompt():
    body = request.get_json(silent=True) or {}
    try:
        key, lang = check_key(str(body.get("key") or "")), check_language(str(body.get("language") or ""))
        uploads().commit(str(body.get("token") or ""), key, lang)
    except PromptRefused as exc:
        return refused(exc)
    audit("ivr.prompt_saved", f"{lang}/{key}")
    return jsonify({"ok": True, "key": key, "language": lang,
                    "url": url_for("ivr.prompt_audio", lang=lang, key=key), **reload_core()})
