"""Records conversations of queues with ``record = true``: a bus subscriber.

``CallBridged`` of such a queue (a queue call, or a callback that kept its place)
starts a recording of both legs, unless the data disk has less than
``[recording] min_free_mb`` free; ``CallEnded`` stops it. The finished WAV is handed
to a worker thread (never the bus): compressed with sox to Ogg Vorbis when
``format = "ogg"``, entered in the ``recordings`` table, and the quota and retention
are enforced — oldest first.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
import wave
from datetime import datetime
from pathlib import Path
from typing import Callable

from appliance import events as ev
from appliance.config.model import QueueConfig, RecordingConfig
from appliance.recording.store import RecordingStore, folder_for

log = logging.getLogger("callbox.recording")

EVENT_TYPES = (ev.CallBridged, ev.CallEnded, ev.CallTransferred)
MB = 1024 * 1024


def wav_seconds(path: Path) -> float:
    try:
        with wave.open(str(path)) as wav:
            return wav.getnframes() / float(wav.getframerate() or 8000)
    except (wave.Error, EOFError, OSError):
        return 0.0


def compress(src: Path, sox: str = "sox") -> Path:
    """WAV → Ogg Vorbis next to it (8 kHz mono stays); the WAV is removed."""
    dst = src.with_suffix(".ogg")
    subprocess.run([sox, str(src), "-C", "0", str(dst)], check=True, capture_output=True,
                   timeout=120)
    src.unlink()
    return dst


class CallRecording:
    def __init__(self, queues: list[QueueConfig], settings: RecordingConfig, recorder,
                 store: RecordingStore, submit: Callable, clock: Callable[[], datetime] = ev.utcnow,
                 free_bytes: Callable[[], int] | None = None):
        self._record = {q.name for q in queues if q.record}
        self._settings = settings
        self._recorder = recorder  # record(key, legs, path) / stop(key)
        self._store = store
        self._submit = submit  # runs work off the bus (a thread pool's submit)
        self._clock = clock
        self._free = free_bytes or (lambda: shutil.disk_usage(store.data_dir).free)
        self.active: dict[str, tuple[str, str, datetime, Path]] = {}
        self.skipped = 0

    def start(self) -> None:
        self._submit(self._enforce)

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.CallBridged):
            self._bridged(event)
        elif isinstance(event, ev.CallEnded) and event.call_id in self.active:
            self._recorder.stop(event.call_id)
        elif isinstance(event, ev.CallTransferred) and event.call_id in self.active:
            # the dispatcher who took the call over is heard in the same file, and named
            queue, _, started, path = self.active[event.call_id]
            self.active[event.call_id] = (queue, event.to_dispatcher, started, path)
            self._recorder.tap(event.call_id, event.legs[1])

    def _bridged(self, event: ev.CallBridged) -> None:
        if event.queue not in self._record or len(event.legs) != 2:
            return
        if self._free() < self._settings.min_free_mb * MB:
            self.skipped += 1
            log.error("call_id=%s not recorded: less than %d MB free on the data disk",
                      event.call_id, self._settings.min_free_mb)
            return
        now = self._clock()
        folder = folder_for(self._store.data_dir, now)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{event.call_id}.wav"
        self.active[event.call_id] = (event.queue, event.dispatcher, now, path)
        self._recorder.record(event.call_id, event.legs, str(path))

    def finished(self, key: str, path: str) -> None:
        """The recorder closed the file (engine thread): finish it off the bus."""
        self._submit(lambda: self._finish(key))

    def _finish(self, key: str) -> None:
        found = self.active.pop(key, None)
        if found is None:
            return
        queue, dispatcher, started, path = found
        for _ in range(50):  # the header is written as the recorder is destroyed
            if wav_seconds(path) > 0:
                break
            time.sleep(0.02)
        seconds = wav_seconds(path)
        if seconds <= 0:
            log.warning("call_id=%s recording %s is empty: dropped", key, path)
            path.unlink(missing_ok=True)
            return
        try:
            if self._settings.format == "ogg":
                path = compress(path)
        except (subprocess.SubprocessError, OSError) as exc:
            log.error("call_id=%s recording kept as WAV, sox failed: %s", key, exc)
        self._store.add(key, queue, dispatcher, started, seconds, path)
        self._enforce()

    def _enforce(self) -> None:
        self._store.enforce(int(self._settings.quota_mb * MB), self._settings.retention_days,
                            self._clock())
