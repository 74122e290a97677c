"""Runs the purge in the core: once at start (after a minute) and then every hour, on its
own thread so that a long first purge never delays a call."""

from __future__ import annotations

import logging
import threading

from appliance.retention.purge import RetentionPurge

log = logging.getLogger("callbox.retention")


class RetentionJob:
    def __init__(self, purge: RetentionPurge, every_s: float = 3600.0, first_s: float = 60.0):
        self.purge, self.every_s, self.first_s = purge, every_s, first_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        wait = self.first_s
        while not self._stop.wait(wait):
            try:
                self.purge.run()
            except Exception:  # noqa: BLE001 - a failed purge is retried next hour
                log.exception("retention purge failed")
            wait = self.every_s
