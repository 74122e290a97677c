"""GSM call audio as 20 ms frames: the modem's PCM stream ⇄ the SIP engine's media port.

A reader thread fills a ring buffer from the audio stream (the modem's PCM serial
port, or a USB sound card for analog modems); the media clock takes frames out with
:meth:`read_frame` and gets silence on underrun. Frames handed to :meth:`write_frame`
wait in a second ring buffer; a paced writer thread sends one frame to the modem
every 20 ms — silence when there is none, because the modems expect a steady stream.
Neither method blocks, as the FrameSource port requires.
"""

from __future__ import annotations

import logging
import os
import select
import subprocess
import threading
import time
from typing import Callable, Protocol

from appliance.telephony.ports import FRAME_BYTES, FRAME_MS

log = logging.getLogger("callbox.gsm.audio")

SILENCE = bytes(FRAME_BYTES)


class AudioStream(Protocol):
    """A byte stream of 8 kHz 16-bit mono PCM both ways (``serial.Serial`` fits)."""

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def close(self) -> None: ...


class RingBuffer:
    """Bytes in, bytes out; past ``capacity`` the oldest bytes are dropped."""

    def __init__(self, capacity: int):
        self._buf = bytearray()
        self._cap = capacity
        self._lock = threading.Lock()
        self.dropped = 0

    def write(self, data: bytes) -> None:
        with self._lock:
            self._buf += data
            excess = len(self._buf) - self._cap
            if excess > 0:
                # Drop whole frames' worth from the front so sample alignment survives.
                excess += (-excess) % 2
                del self._buf[:excess]
                self.dropped += excess

    def read(self, size: int) -> bytes | None:
        with self._lock:
            if len(self._buf) < size:
                return None
            out = bytes(self._buf[:size])
            del self._buf[:size]
            return out

    def __len__(self) -> int:
        return len(self._buf)


class StreamFrameSource:
    """The FrameSource of one connected GSM call."""

    def __init__(self, stream: AudioStream, name: str = "gsm", rx_frames: int = 5,
                 tx_frames: int = 5, frame_bytes: int = FRAME_BYTES,
                 frame_ms: int = FRAME_MS, on_rx: Callable[[bytes], None] | None = None):
        self._stream = stream
        self._on_rx = on_rx  # e.g. an in-band DTMF detector
        self.name = name
        self._frame = frame_bytes
        self._period = frame_ms / 1000.0
        self._silence = bytes(frame_bytes)
        self._rx = RingBuffer(rx_frames * frame_bytes)
        self._tx = RingBuffer(tx_frames * frame_bytes)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.underruns = 0
        self.frames_written = 0
        self.max_write_gap = 0.0  # seconds between two writes to the modem
        self.late_writes = 0  # gaps over 1.5 frames (30 ms): heard as a click
        self.write_errors = 0

    # -- FrameSource (called from the media clock; never blocks) ----------------------
    def read_frame(self) -> bytes:
        frame = self._rx.read(self._frame)
        if frame is None:
            self.underruns += 1
            return self._silence
        return frame

    def write_frame(self, frame: bytes) -> None:
        self._tx.write(frame)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        for target, label in ((self._read_loop, "rx"), (self._write_loop, "tx")):
            t = threading.Thread(target=target, name=f"audio-{label}-{self.name}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(1.0)
        try:
            self._stream.close()
        except Exception:
            log.debug("audio close failed line=%s", self.name, exc_info=True)

    @property
    def running(self) -> bool:
        return not self._stop.is_set()

    def stats(self) -> dict:
        return {"underruns": self.underruns, "rx_dropped": self._rx.dropped,
                "tx_dropped": self._tx.dropped, "frames_written": self.frames_written,
                "max_write_gap_ms": round(self.max_write_gap * 1000, 2),
                "late_writes": self.late_writes,
                "write_errors": self.write_errors}

    # -- threads ----------------------------------------------------------------------------
    def _read_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._stream.read(self._frame)
            except Exception as exc:  # the port went away: the AT side ends the call
                log.warning("audio read failed line=%s error=%s", self.name, exc)
                return
            if data:
                self._rx.write(data)
                if self._on_rx is not None:
                    try:
                        self._on_rx(data)
                    except Exception:  # a detector bug must not stop the audio
                        log.exception("audio tap failed line=%s", self.name)

    def _write_loop(self) -> None:
        _raise_priority(self.name)
        due = time.perf_counter()
        last = None
        while not self._stop.is_set():
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)  # cheaper than an Event wait; stop() is seen 20 ms later
            frame = self._tx.read(self._frame) or self._silence
            try:
                self._stream.write(frame)
            except Exception as exc:  # a stalled or vanished port: drop, keep the pace
                self.write_errors += 1
                if self.write_errors in (1, 100):
                    log.warning("audio write failed line=%s error=%s", self.name, exc)
            now = time.perf_counter()
            if last is not None:
                gap = now - last
                self.max_write_gap = max(self.max_write_gap, gap)
                if gap > 1.5 * self._period:
                    self.late_writes += 1
            last = now
            self.frames_written += 1
            due += self._period
            if now - due > 5 * self._period:
                due = now  # we fell far behind (a stall): resume the pace, never burst


WRITER_NICE = -10  # the paced writer should win the CPU over log writers and web requests


def _raise_priority(name: str) -> None:
    """Lower this thread's nice value where allowed (root or CAP_SYS_NICE, e.g. systemd's
    AmbientCapabilities); a busy core then delays the next frame less. Best effort."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WRITER_NICE)
    except (OSError, AttributeError):
        log.debug("audio writer keeps default priority line=%s", name)


class FdAudioStream:
    """A serial port pyserial has opened and configured, used at the file-descriptor
    level: one ``select`` + ``read`` per arrival and one ``write`` per frame, without
    pyserial's per-call bookkeeping (half the CPU of a call). Non-blocking writes: a
    modem that stops reading loses frames instead of stalling the paced writer.
    """

    def __init__(self, port, read_timeout: float = 0.1):
        self._port = port
        self._fd = port.fileno()
        os.set_blocking(self._fd, False)
        self._timeout = read_timeout

    def read(self, size: int = 4096) -> bytes:
        if not select.select([self._fd], [], [], self._timeout)[0]:
            return b""
        data = os.read(self._fd, 4096)
        if not data:
            raise EOFError("audio port closed")
        return data

    def write(self, data: bytes) -> int:
        try:
            return os.write(self._fd, data)
        except BlockingIOError:
            raise TimeoutError("modem is not reading its audio port") from None

    def close(self) -> None:
        self._port.close()


class ProcessAudioStream:
    """PCM through two helper processes (``arecord``/``aplay`` on a USB sound card)."""

    def __init__(self, capture: list[str], playback: list[str], read_timeout: float = 0.05):
        self._cap = subprocess.Popen(capture, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._play = subprocess.Popen(playback, stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._timeout = read_timeout

    def read(self, size: int = 1) -> bytes:
        assert self._cap.stdout is not None
        fd = self._cap.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], self._timeout)
        if not ready:
            return b""
        data = os.read(fd, size)
        if not data:
            raise EOFError("capture process ended")
        return data

    def write(self, data: bytes) -> int:
        assert self._play.stdin is not None
        self._play.stdin.write(data)
        self._play.stdin.flush()
        return len(data)

    def close(self) -> None:
        for proc in (self._cap, self._play):
            proc.terminate()
            try:
                proc.wait(1.0)
            except subprocess.TimeoutExpired:
                proc.kill()


def alsa_stream(device: str) -> ProcessAudioStream:
    """An analog modem's audio through ALSA (``audio_port = "alsa:plughw:1,0"``)."""
    fmt = ["-q", "-D", device, "-f", "S16_LE", "-r", "8000", "-c", "1", "-t", "raw"]
    return ProcessAudioStream(["arecord", *fmt], ["aplay", *fmt])
