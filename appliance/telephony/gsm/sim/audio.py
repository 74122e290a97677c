"""The simulated modem's PCM audio port: a pty that streams 20 ms frames while a call
is connected (a tone, an echo of what it hears, or silence) and records what the box
sends. One thread does both directions, paced by its own clock.
"""

from __future__ import annotations

import math
import os
import threading
import time

from appliance.telephony.ports import FRAME_BYTES, FRAME_MS
from appliance.telephony.gsm.sim.pty import PtyEnd

TONE_HZ = 400  # 20 samples a period: one 160-sample frame holds 8 whole periods


def tone_frame(freq: int = TONE_HZ, amplitude: int = 8000) -> bytes:
    samples = FRAME_BYTES // 2
    return b"".join(int(amplitude * math.sin(2 * math.pi * freq * i / 8000)).to_bytes(
        2, "little", signed=True) for i in range(samples))


DTMF_FREQS = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
              "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
              "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
              "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633)}


def dtmf_pcm(digit: str, ms: int = 100, gap_ms: int = 60) -> bytes:
    """A key press as a caller's phone sends it in-band, then a pause."""
    low, high = DTMF_FREQS[digit]
    n = 8 * ms
    tone = b"".join(int(6000 * (math.sin(2 * math.pi * low * i / 8000) +
                                math.sin(2 * math.pi * high * i / 8000))).to_bytes(
        2, "little", signed=True) for i in range(n))
    return tone + bytes(16 * gap_ms)


class SimAudioPort:
    def __init__(self, link: str, source: str = "tone"):
        self.link = link
        self.source = source  # "tone" | "echo" | "silence"
        self.enabled = False
        self.received = bytearray()
        self.record = True  # keep what the box sends (off for long benchmarks)
        self.frames_sent = 0
        self._pty: PtyEnd | None = None
        self._tone = tone_frame()
        self._echo = bytearray()
        self._queued = bytearray()  # audio to send first (in-band DTMF)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        pty = PtyEnd(self.link)
        with self._lock:
            self._pty = pty
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sim-audio", daemon=True)
            self._thread.start()

    def vanish(self) -> None:
        with self._lock:
            if self._pty is not None:
                self._pty.close()
                self._pty = None

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
        self.vanish()

    def play(self, pcm: bytes) -> None:
        with self._lock:
            self._queued += pcm

    def set_enabled(self, on: bool) -> None:
        with self._lock:
            self.enabled = on
            self._echo.clear()

    def _next_frame(self) -> bytes:
        """Called with the lock held."""
        if self._queued:
            frame = bytes(self._queued[:FRAME_BYTES]).ljust(FRAME_BYTES, b"\0")
            del self._queued[:FRAME_BYTES]
            return frame
        if self.source == "echo":
            frame = bytes(self._echo[:FRAME_BYTES]).ljust(FRAME_BYTES, b"\0")
            del self._echo[:FRAME_BYTES]
            return frame
        return self._tone if self.source == "tone" else bytes(FRAME_BYTES)

    def _run(self) -> None:
        """Wake once per frame: take what the box sent, send the next frame."""
        period = FRAME_MS / 1000.0
        due = time.perf_counter()
        while not self._stop.is_set():
            due += period
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -5 * period:
                due = time.perf_counter()  # fell far behind: resume the pace, no burst
            with self._lock:  # vanish() closes under it; a closed fd number gets reused
                pty = self._pty
                if pty is not None and pty.fd >= 0:
                    self._tick(pty.fd)

    def _tick(self, fd: int) -> None:
        try:
            data = os.read(fd, 65536)
        except OSError:  # nothing waiting, or nobody has the port open
            data = b""
        if not self.enabled:
            return
        if data:
            if self.record:
                self.received += data
            if self.source == "echo":
                self._echo += data
                del self._echo[:-FRAME_BYTES * 10]
        try:
            os.write(fd, self._next_frame())
            self.frames_sent += 1
        except OSError:
            pass  # the box has not opened the audio port (yet), or it stopped reading
