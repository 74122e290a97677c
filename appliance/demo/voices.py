"""Voices for the simulated people: speech made once with espeak-ng, or a tone."""

from __future__ import annotations

import os
import subprocess
import tempfile


def make_voice(path: str, text: str, voice: str = "en-us") -> str:
    """A looping 8 kHz WAV of ``text`` (falls back to a tone without espeak-ng)."""
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.wav")
        try:
            subprocess.run(["espeak-ng", "-v", voice, "-w", raw, text], check=True,
                           capture_output=True, timeout=30)
            src = [raw]
        except (OSError, subprocess.SubprocessError):
            src = ["-n"]
        tmp_out = path + ".tmp.wav"
        synth = [] if src == [raw] else ["synth", "3", "sine", "440"]
        subprocess.run(["sox", *src, "-r", "8000", "-b", "16", "-c", "1", "-e", "signed-integer",
                        tmp_out, *synth, "pad", "0", "0.5"], check=True, capture_output=True,
                       timeout=30)
        os.replace(tmp_out, path)
    return path
