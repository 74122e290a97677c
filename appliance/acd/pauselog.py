"""Pause time by reason, for the reports: the ``pauses`` table (this module owns it).

A bus subscriber (DispatcherStateChanged) that only enqueues; its own writer thread
owns the SQLite connection, so the bus never waits on an fsync. A pause still open
when the box went down is closed at the next start (``ended_by = 'restart'``, no
seconds: nobody knows how long it really lasted).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Callable

from appliance import events as ev
from appliance.store.db import iso, open_db, parse_iso

log = logging.getLogger("callbox.acd")

EVENT_TYPES = (ev.DispatcherStateChanged,)
_STOP = object()


class PauseLog:
    def __init__(self, db_path: str | Path, clock: Callable[[], datetime] = ev.utcnow):
        self._path = Path(db_path)
        self._clock = clock
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        conn = open_db(self._path, check_same_thread=False)
        with conn:
            conn.execute("UPDATE pauses SET ended_at = ?, ended_by = 'restart' "
                         "WHERE ended_at IS NULL", (iso(self._clock()),))
        self._thread = threading.Thread(target=self._run, args=(conn,), name="pauselog",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._jobs.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def flush(self, timeout: float = 5.0) -> None:
        done = threading.Event()
        self._jobs.put(done)
        done.wait(timeout)

    def handle(self, event: ev.Event) -> None:
        if not isinstance(event, ev.DispatcherStateChanged):
            return
        if event.state == "paused" and event.previous != "paused":
            self._jobs.put(("open", event.dispatcher, event.reason, event.at))
        elif event.previous == "paused" and event.state != "paused":
            how = "logout" if event.state == "offline" else "resume"
            self._jobs.put(("close", event.dispatcher, how, event.at))

    # -- writer thread --------------------------------------------------------------
    def _run(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                job = self._jobs.get()
                if job is _STOP:
                    return
                if isinstance(job, threading.Event):
                    job.set()
                    continue
                try:
                    self._write(conn, job)
                except sqlite3.Error:
                    log.exception("pause log: cannot write %s", job)
        finally:
            conn.close()

    @staticmethod
    def _write(conn: sqlite3.Connection, job: tuple) -> None:
        kind, name, text, at = job
        with conn:  # one short transaction per change
            if kind == "open":
                conn.execute("INSERT INTO pauses (dispatcher, reason, started_at) VALUES (?, ?, ?)",
                             (name, text, iso(at)))
                return
            row = conn.execute("SELECT id, started_at FROM pauses WHERE dispatcher = ? AND "
                               "ended_at IS NULL ORDER BY id DESC LIMIT 1", (name,)).fetchone()
            if row is not None:
                seconds = round((at - parse_iso(row["started_at"])).total_seconds(), 1)
                conn.execute("UPDATE pauses SET ended_at = ?, seconds = ?, ended_by = ? "
                             "WHERE id = ?", (iso(at), seconds, text, row["id"]))


def pause_totals(conn: sqlite3.Connection, since: str = "", until: str = "") -> list[dict]:
    """Seconds paused per dispatcher and reason between ``since`` and ``until`` (ISO)."""
    rows = conn.execute(
        "SELECT dispatcher, reason, COUNT(*) AS pauses, ROUND(SUM(COALESCE(seconds, 0)), 1) "
        "AS seconds FROM pauses WHERE started_at >= ? AND (? = '' OR started_at < ?) "
        "GROUP BY dispatcher, reason ORDER BY dispatcher, reason", (since, until, until))
    return [dict(r) for r in rows]
