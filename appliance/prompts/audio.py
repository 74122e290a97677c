"""WAV checks and sox conversions to the telephone format pjsua2 plays.

The telephone format is 8 kHz, 16-bit signed, mono PCM WAV: pjsua2's
AudioMediaPlayer plays it into the conference bridge without resampling.
"""

from __future__ import annotations

import array
import logging
import os
import subprocess
import sys
import wave
from dataclasses import dataclass

from appliance.errors import PromptError

log = logging.getLogger("callbox.prompts")

TELEPHONE_RATE = 8000
TELEPHONE_WIDTH = 2  # bytes per sample
TOOL_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    sample_width: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    @property
    def is_telephone(self) -> bool:
        return (self.rate, self.channels, self.sample_width) == (
            TELEPHONE_RATE, 1, TELEPHONE_WIDTH)


def read_wav_info(path: str) -> WavInfo:
    """Header of a PCM WAV; PromptError if ``wave`` cannot read it."""
    try:
        with wave.open(path, "rb") as w:
            return WavInfo(w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise PromptError(f"{path}: not a readable PCM WAV ({exc})") from exc


def check_telephone_wav(path: str) -> WavInfo:
    """PromptError unless ``path`` is a non-empty 8 kHz mono 16-bit WAV."""
    info = read_wav_info(path)
    if not info.is_telephone:
        raise PromptError(f"{path}: {info.rate} Hz, {info.channels} ch, "
                          f"{8 * info.sample_width}-bit is not 8 kHz mono 16-bit")
    if info.frames == 0:
        raise PromptError(f"{path}: no audio")
    return info


def peak_level(path: str) -> float:
    """Peak absolute sample of a 16-bit WAV, 0.0 (silence) .. 1.0 (full scale)."""
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise PromptError(f"{path}: peak_level needs 16-bit samples")
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()  # WAV data is little-endian
    return max((abs(s) for s in samples), default=0) / 32768.0


def run_tool(args: list[str], what: str, stdin: bytes | None = None) -> None:
    """Run an audio tool; PromptError with its stderr if it is missing or fails."""
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=TOOL_TIMEOUT_S)
    except FileNotFoundError as exc:
        raise PromptError(f"{what}: {args[0]} is not installed ({exc})") from exc
    except subprocess.TimeoutExpired as exc:
        raise PromptError(f"{what}: {args[0]} did not finish in {TOOL_TIMEOUT_S:.0f} s") from exc
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise PromptError(f"{what}: {args[0]} exited with {done.returncode}: {stderr}")


def telephone_args(sox: str, src: str, dst: str) -> list[str]:
    """sox command line converting any audio sox reads into the telephone WAV."""
    # -G guards against clipping when resampling loud sources; -V1 keeps only errors.
    return [sox, "-V1", "-G", src, "-t", "wav", "-r", str(TELEPHONE_RATE), "-b", "16",
            "-c", "1", "-e", "signed-integer", dst]


def convert_to_telephone(src: str, dst: str, sox: str = "sox") -> WavInfo:
    """Write ``src`` as an 8 kHz mono 16-bit WAV at ``dst`` and check the result."""
    run_tool(telephone_args(sox, src, dst), f"converting {src}")
    return check_telephone_wav(dst)


def fsync_file(path: str) -> None:
    """Flush a freshly written file to the card before it is renamed into place."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
