"""The prompt library: which WAV to play for a prompt key, generated once and cached.

Cache layout: ``<data>/prompts/<lang>/<key>.wav`` plus ``<key>.json`` holding the
sha256 of what made it (text, voice, synthesizer version; or the custom file's
bytes; or the music version). A file is made again only when that changes.
Files are written to a temp name, fsynced and renamed, so a power cut never
leaves half a WAV under a real name.

``prepare()`` does the slow work at start-up; per-call code only calls
``path()``, which then is a dictionary lookup.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from typing import Callable

from appliance.errors import PromptError
from appliance.prompts.audio import (check_telephone_wav, convert_to_telephone,
                                     fsync_file, read_wav_info)
from appliance.prompts.music import MUSIC_VERSION, render_hold_music
from appliance.prompts.texts import texts_for
from appliance.prompts.tones import TONES_VERSION, render_ringback
from appliance.prompts.tts import Synthesizer, default_voice

log = logging.getLogger("callbox.prompts")

HOLD_MUSIC = "hold_music"
RINGBACK = "ringback"
STALE_TEMP_S = 600.0  # temp files older than this are leftovers of a crash


def fingerprint(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


class PromptLibrary:
    def __init__(self, data_dir: str, language: str, office_name: str,
                 texts_override: dict[str, str] | None, custom: dict[str, str] | None,
                 synthesizer: Synthesizer, *, voice: str = "", sox: str = "sox"):
        self._dir = os.path.join(data_dir, "prompts", language)
        self._texts = texts_for(language, office_name, texts_override)
        # Relative custom paths are relative to the data directory.
        self._custom = {key: os.path.join(data_dir, path) for key, path in (custom or {}).items()}
        self._synth = synthesizer
        self._voice = voice or default_voice(language)
        self._sox = sox
        self._paths: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- public ---------------------------------------------------------------
    @property
    def keys(self) -> tuple[str, ...]:
        """Every key this library can play: texts, custom recordings, hold music, ringback."""
        return tuple(dict.fromkeys([*self._texts, *self._custom, HOLD_MUSIC, RINGBACK]))

    @property
    def cache_dir(self) -> str:
        return self._dir

    def text(self, key: str) -> str:
        """What the generated prompt says ("" for music, tones or recording-only keys)."""
        return self._texts.get(key, "")

    def prepare(self, keys: list[str] | tuple[str, ...] | None = None) -> None:
        """Make every missing or stale prompt now (start-up).

        Keys that fail are logged and reported together in one PromptError after
        the others are done, so one bad text does not leave the rest unmade.
        """
        failed: dict[str, str] = {}
        with self._lock:
            os.makedirs(self._dir, exist_ok=True)
            self._remove_stale_temps()
            for key in keys if keys is not None else self.keys:
                try:
                    self._paths[key] = self._resolve(key)
                except PromptError as exc:
                    log.error("prompt %s could not be made: %s", key, exc)
                    failed[key] = str(exc)
        if failed:
            raise PromptError("prompts not available: " + "; ".join(
                f"{key}: {why}" for key, why in failed.items()))

    def path(self, key: str) -> str:
        """The WAV file to play for ``key`` (a lookup once prepared)."""
        found = self._paths.get(key)
        if found is not None:
            return found
        log.warning("prompt %s was not prepared at start-up; making it now", key)
        self.prepare([key])
        return self._paths[key]

    # -- resolving one key -----------------------------------------------------
    def _resolve(self, key: str) -> str:
        if key in self._custom:
            try:
                return self._custom_path(key)
            except PromptError as exc:
                log.error("custom prompt %s is unusable, using the generated one: %s", key, exc)
        if key == HOLD_MUSIC:
            return self._cached(key, fingerprint("music", MUSIC_VERSION),
                                lambda tmp: render_hold_music(tmp, self._sox))
        if key == RINGBACK:
            return self._cached(key, fingerprint("tone", TONES_VERSION),
                                lambda tmp: render_ringback(tmp, self._sox))
        if key not in self._texts:
            raise PromptError(f"no text and no recording for prompt {key!r}")
        text = self._texts[key]
        made_by = fingerprint("tts", text, self._voice, self._synth.version)
        return self._cached(key, made_by,
                            lambda tmp: self._synth.synthesize(text, self._voice, tmp))

    def _custom_path(self, key: str) -> str:
        """A custom recording, converted into the cache unless already 8 kHz mono 16-bit."""
        src = self._custom[key]
        if not os.path.isfile(src):
            raise PromptError(f"{src}: no such file")
        try:
            info = read_wav_info(src)
        except PromptError:
            info = None  # e.g. a float or A-law WAV: not PCM, but sox may still read it
        if info is not None and info.is_telephone and info.frames > 0:
            return src
        made_by = fingerprint("custom", file_sha256(src))
        return self._cached(f"{key}.custom", made_by,
                            lambda tmp: convert_to_telephone(src, tmp, self._sox))

    # -- the cache -------------------------------------------------------------
    def _cached(self, name: str, made_by: str, make: Callable[[str], None]) -> str:
        final = os.path.join(self._dir, f"{name}.wav")
        sidecar = os.path.join(self._dir, f"{name}.json")
        if self._is_fresh(final, sidecar, made_by):
            return final
        log.info("making prompt %s", name)
        self._write_atomic(final, ".wav", lambda tmp: (make(tmp), check_telephone_wav(tmp)))
        self._write_atomic(sidecar, ".json", lambda tmp: _write_json(tmp, {"sha256": made_by}))
        return final

    @staticmethod
    def _is_fresh(wav: str, sidecar: str, made_by: str) -> bool:
        try:
            with open(sidecar, encoding="utf-8") as f:
                if json.load(f).get("sha256") != made_by:
                    return False
            check_telephone_wav(wav)
        except (OSError, ValueError, AttributeError, PromptError):
            return False
        return True

    def _write_atomic(self, final: str, suffix: str, write: Callable[[str], object]) -> None:
        # The temp name keeps the real suffix: sox picks the file type from it.
        fd, tmp = tempfile.mkstemp(dir=self._dir, prefix=f".{os.path.basename(final)}.",
                                   suffix=suffix)
        os.close(fd)
        try:
            write(tmp)
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; prompts are no secret
            fsync_file(tmp)
            os.replace(tmp, final)
        except BaseException:
            _unlink_quietly(tmp)
            raise

    def _remove_stale_temps(self) -> None:
        now = time.time()
        for entry in os.scandir(self._dir):
            if entry.name.startswith(".") and entry.is_file():
                if now - entry.stat().st_mtime > STALE_TEMP_S:
                    _unlink_quietly(entry.path)


def _write_json(path: str, data: dict[str, str]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
