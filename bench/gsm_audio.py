"""GSM call audio cost and pacing: the FrameSource against the simulator's PCM pty.

One bridged call = the FrameSource's reader and paced writer threads, the simulated
modem streaming 50 frames/s into its audio pty and reading ours back, and a media-clock
thread standing in for pjsua2's AudioMediaPort (read_frame + write_frame every 20 ms).

Measured: CPU per call as ``time.process_time()`` over 10 s (whole process, so the
simulator's side is included: an upper bound) and for the FrameSource's two threads
alone; then the largest gap between frames written to the modem's audio pty while a
thread hammers SQLite with fsync'd inserts, and again with a pure-Python busy thread
holding the GIL. Targets: ≤ 1 % of a core per call, no gap over 30 ms.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import sys
import threading
import time
from pathlib import Path

import serial

from appliance.app import SWITCH_INTERVAL_S
from appliance.telephony.gsm.audio import FdAudioStream, StreamFrameSource
from appliance.telephony.gsm.sim.audio import SimAudioPort
from appliance.telephony.ports import FRAME_MS

CPU_TARGET_PCT = 1.0
GAP_TARGET_MS = 30.0


def _thread_cpu(native_ids: list[int]) -> float:
    """CPU seconds (user + system) of the given threads of this process."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for tid in native_ids:
        try:
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


class MediaClock:
    """pjsua2's side: one frame out and one in every 20 ms."""

    def __init__(self, source: StreamFrameSource):
        self.source = source
        self.frames = 0
        self.non_silent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="media-clock", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1.0)

    def _run(self) -> None:
        due = time.perf_counter()
        while not self._stop.is_set():
            due += FRAME_MS / 1000
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            frame = self.source.read_frame()
            self.frames += 1
            self.non_silent += frame[:4] != b"\0\0\0\0"
            self.source.write_frame(frame)  # send the far end's audio back: a bridge


def _sqlite_hammer(path: Path, stop: threading.Event, counter: list[int]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, at REAL, body TEXT)")
    while not stop.is_set():
        conn.execute("INSERT INTO t (at, body) VALUES (?, ?)", (time.time(), "x" * 200))
        counter[0] += 1
    conn.close()


def _python_spinner(stop: threading.Event, counter: list[int]) -> None:
    payload = {"calls": [{"id": i, "caller": "+989121234567"} for i in range(50)]}
    while not stop.is_set():
        json.loads(json.dumps(payload))
        counter[0] += 1


def _under_load(source: StreamFrameSource, modem: SimAudioPort, target, arg, seconds: float):
    source.max_write_gap, source.late_writes = 0.0, 0
    written = source.frames_written
    stop, counter = threading.Event(), [0]
    worker = threading.Thread(target=target, args=(arg, stop, counter) if arg else (stop, counter),
                              daemon=True)
    worker.start()
    time.sleep(seconds)
    stop.set()
    worker.join(5.0)
    return {"max_write_gap_ms": round(source.max_write_gap * 1000, 2),
            "writes_over_30ms": source.late_writes,
            "frames_written": source.frames_written - written, "iterations": counter[0]}


def run(seconds: float = 10.0, load_seconds: float = 5.0) -> dict:
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as the core process runs (appliance/app.py)
    work = Path(tempfile.mkdtemp(prefix="callbox-gsm-audio-"))
    modem = SimAudioPort(str(work / "audio-port"), source="tone")
    modem.record = False
    modem.open()
    modem.set_enabled(True)
    port = serial.Serial(str(work / "audio-port"), 115200, timeout=0.05, write_timeout=0.1)
    source = StreamFrameSource(FdAudioStream(port), name="bench")
    clock = MediaClock(source)
    try:
        source.start()
        clock.start()
        time.sleep(0.5)  # let both ends settle into their pace
        groups = {"framesource": [t.native_id for t in source._threads],
                  "sim_modem": [modem._thread.native_id],
                  "media_clock": [clock._thread.native_id]}
        before = {k: _thread_cpu(v) for k, v in groups.items()}
        cpu0, wall0 = time.process_time(), time.perf_counter()
        time.sleep(seconds)
        wall = time.perf_counter() - wall0
        cpu_pct = (time.process_time() - cpu0) / wall * 100
        split = {k: round((_thread_cpu(v) - before[k]) / wall * 100, 2) for k, v in groups.items()}
        idle_gap, idle_late = source.max_write_gap * 1000, source.late_writes
        sqlite_load = _under_load(source, modem, _sqlite_hammer, work / "hammer.sqlite3",
                                  load_seconds)
        gil_load = _under_load(source, modem, _python_spinner, None, load_seconds)
    finally:
        clock.stop()
        source.stop()
        modem.close()
        shutil.rmtree(work, ignore_errors=True)
    worst_gap = max(idle_gap, sqlite_load["max_write_gap_ms"], gil_load["max_write_gap_ms"])
    return {
        "cpu_pct_per_call": round(cpu_pct, 3),
        "cpu_pct_by_thread": split,
        "measured_s": round(wall, 2),
        "frames_written": source.frames_written,
        "frames_read": clock.frames,
        "frames_with_audio": clock.non_silent,
        "underruns": source.underruns,
        "max_write_gap_ms_idle": round(idle_gap, 2),
        "writes_over_30ms_idle": idle_late,
        "busy_sqlite": sqlite_load,
        "busy_python": gil_load,
        "target": {"cpu_pct": CPU_TARGET_PCT, "gap_ms": GAP_TARGET_MS},
        "load_average": os.getloadavg()[0],  # other work on the machine skews both numbers
        "ok": cpu_pct <= CPU_TARGET_PCT and worst_gap <= GAP_TARGET_MS,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
