"""Text-to-speech: the ``Synthesizer`` port and its espeak-ng + sox adapter."""

from __future__ import annotations

import os
import subprocess
import tempfile
from typing import Protocol

from appliance.errors import PromptError
from appliance.prompts.audio import convert_to_telephone, peak_level, run_tool

# espeak-ng voice per office language (see `espeak-ng --voices`).
DEFAULT_VOICES: dict[str, str] = {"fa": "fa", "ru": "ru", "en": "en-us"}

# Below this peak the "speech" is silence: the voice could not read the text.
SILENCE_PEAK = 0.01


def default_voice(language: str) -> str:
    return DEFAULT_VOICES.get(language, "en-us")


class Synthesizer(Protocol):
    """Turns text into an 8 kHz mono 16-bit WAV file.

    ``version`` names the engine and its settings; when it changes, cached
    prompts are generated again.
    """

    @property
    def version(self) -> str: ...

    def synthesize(self, text: str, voice: str, out_path: str) -> None:
        """Write ``out_path``; raise PromptError (with the tool's stderr) on failure."""


class EspeakSynthesizer:
    """espeak-ng speaks into a temp WAV (22 kHz); sox resamples it to 8 kHz."""

    def __init__(self, espeak: str = "espeak-ng", sox: str = "sox",
                 speed_wpm: int = 150):
        # 150 wpm (espeak's default is 175) is easier to follow on a phone line.
        self._espeak = espeak
        self._sox = sox
        self._speed = speed_wpm
        self._version: str | None = None

    @property
    def version(self) -> str:
        if self._version is None:
            self._version = f"{self._engine_version()} speed={self._speed}"
        return self._version

    def _engine_version(self) -> str:
        try:
            done = subprocess.run([self._espeak, "--version"], capture_output=True,
                                  text=True, timeout=10)
        except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
            raise PromptError(f"{self._espeak} is not usable: {exc}") from exc
        if done.returncode != 0:
            raise PromptError(f"{self._espeak} --version exited with {done.returncode}: "
                              f"{done.stderr.strip()}")
        # "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/..." -> keep the version part
        return done.stdout.split("Data at:")[0].strip()

    def synthesize(self, text: str, voice: str, out_path: str) -> None:
        if not text.strip():
            raise PromptError(f"nothing to say for {out_path} (empty text)")
        with tempfile.TemporaryDirectory(prefix="callbox-tts-") as tmp:
            raw = os.path.join(tmp, "speech.wav")
            # Text goes through stdin: a text starting with "-" is not an option then.
            run_tool([self._espeak, "-v", voice, "-s", str(self._speed), "-w", raw, "--stdin"],
                     f"speaking with voice {voice!r}", stdin=text.encode("utf-8"))
            convert_to_telephone(raw, out_path, self._sox)
        if peak_level(out_path) < SILENCE_PEAK:
            raise PromptError(f"voice {voice!r} produced silence for {text!r}")
