"""Prompts made on the web: uploaded recordings or typed text, per language.

Saved prompts live in ``<data>/prompts/custom/<lang>/<key>.wav`` (8 kHz mono
16-bit PCM, what pjsua2 plays without resampling). Making one is two steps so
the supervisor can listen first: ``preview_*`` converts into
``<data>/prompts/preview/<token>.wav``; ``commit`` moves it into place with a
rename (a power cut leaves the old prompt or the new one). A file sox cannot
read, or any other format, is refused and nothing changes.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from appliance.errors import PromptError
from appliance.i18n import N_
from appliance.prompts.audio import check_telephone_wav, convert_to_telephone, fsync_file
from appliance.prompts.tts import Synthesizer, default_voice

UPLOAD_TYPES = {"wav": "wav", "mp3": "mp3", "ogg": "ogg", "oga": "ogg"}
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PREVIEW_TTL_S = 3600.0
MAX_SECONDS = 300.0
LANGUAGES = ("fa", "ru", "en")


class PromptRefused(PromptError):
    """A prompt the web cannot take; ``msgid``/``params`` for the reader's language."""

    def __init__(self, msgid: str, detail: str = "", **params: object):
        self.msgid, self.params, self.detail = msgid, params, detail
        text = msgid % params if params else msgid
        super().__init__(f"{text} ({detail})" if detail else text)


def check_key(key: str) -> str:
    if not KEY.match(key or ""):
        raise PromptRefused(N_("a prompt name is lower-case letters, digits and '_' "
                               "(e.g. night_menu)"))
    return key


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise PromptRefused(N_("the language must be fa, ru or en"))
    return lang


class UploadedPrompts:
    def __init__(self, data_dir: str | Path, sox: str = "sox"):
        self._root = Path(data_dir) / "prompts"
        self._sox = sox

    def folder(self, lang: str) -> Path:
        return self._root / "custom" / check_language(lang)

    def keys(self, lang: str) -> dict[str, str]:
        """key -> path of every saved prompt of ``lang``."""
        folder = self.folder(lang)
        if not folder.is_dir():
            return {}
        return {p.stem: str(p) for p in sorted(folder.glob("*.wav")) if KEY.match(p.stem)}

    def path(self, lang: str, key: str) -> Path:
        return self.folder(lang) / f"{check_key(key)}.wav"

    # -- previews ----------------------------------------------------------------
    def preview_upload(self, data: bytes, filename: str) -> str:
        """Convert an uploaded file; the token names the preview. PromptRefused if unusable."""
        ext = Path(filename or "").suffix.lower().lstrip(".")
        if ext not in UPLOAD_TYPES:
            raise PromptRefused(N_("only WAV, MP3 or OGG files can be uploaded (got %(name)s)"),
                                name=filename or "?")
        if not data:
            raise PromptRefused(N_("the file is empty"))
        with tempfile.TemporaryDirectory(prefix="callbox-upload-") as tmp:
            src = os.path.join(tmp, f"upload.{UPLOAD_TYPES[ext]}")
            with open(src, "wb") as f:
                f.write(data)
            return self._convert(src)

    def preview_text(self, text: str, lang: str, synth: Synthesizer, voice: str = "") -> str:
        if not text.strip():
            raise PromptRefused(N_("type the text to speak"))
        token = self._new_token()
        out = self._preview_path(token)
        try:
            synth.synthesize(text, voice or default_voice(check_language(lang)), str(out))
            check_telephone_wav(str(out))
        except PromptError as exc:
            out.unlink(missing_ok=True)
            raise PromptRefused(N_("the text could not be spoken"), str(exc)) from exc
        return token

    def preview_file(self, token: str) -> Path:
        if not TOKEN.match(token or ""):
            raise PromptRefused(N_("no such preview (it may have expired)"))
        path = self._preview_path(token)
        if not path.is_file():
            raise PromptRefused(N_("no such preview (it may have expired)"))
        return path

    def commit(self, token: str, key: str, lang: str) -> Path:
        """Make a preview the prompt ``key`` of ``lang`` (replacing any saved one)."""
        src = self.preview_file(token)
        dst = self.path(lang, key)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(src, 0o644)
        fsync_file(str(src))
        os.replace(src, dst)  # same file system: atomic
        return dst

    def delete(self, key: str, lang: str) -> bool:
        path = self.path(lang, key)
        existed = path.is_file()
        path.unlink(missing_ok=True)
        return existed

    # -- internals ------------------------------------------------------------------
    def _convert(self, src: str) -> str:
        token = self._new_token()
        out = self._preview_path(token)
        try:
            info = convert_to_telephone(src, str(out), self._sox)
        except PromptError as exc:
            out.unlink(missing_ok=True)
            raise PromptRefused(N_("this file cannot be read as audio (damaged or not really "
                                   "WAV/MP3/OGG)"), str(exc)) from exc
        if info.duration_s > MAX_SECONDS:
            out.unlink(missing_ok=True)
            raise PromptRefused(N_("a prompt may be at most %(n)d seconds long"),
                                n=int(MAX_SECONDS))
        return token

    def _new_token(self) -> str:
        self._tidy()
        return secrets.token_urlsafe(18)

    def _preview_path(self, token: str) -> Path:
        folder = self._root / "preview"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{token}.wav"

    def _tidy(self) -> None:
        folder = self._root / "preview"
        if not folder.is_dir():
            return
        now = time.time()
        for entry in folder.iterdir():
            if now - entry.stat().st_mtime > PREVIEW_TTL_S:
                entry.unlink(missing_ok=True)
