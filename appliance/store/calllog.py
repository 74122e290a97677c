"""The call log: one row per call in SQLite, built from bus events.

``handle`` runs on the bus thread and only enqueues; a writer thread owns the
connection, so an fsync never stalls call handling.

Flash wear decides the batching (docs/benchmarks.md, "Flash wear"): every commit
appends each page it touched to the WAL and fsyncs, so bytes written grow with
commits, not with rows. A call's first and last writes (CallOffered/CallPlaced,
CallEnded/CallRejected) are committed within ``commit_s``, together with whatever
else is queued by then — so a call in progress is on disk for the restart to mark
``interrupted``, and an ended call is on disk a moment later. Updates in between
(IVR steps, queue, dispatcher) wait up to ``batch_s`` for company, normally the
call's own end. A quiet office pays two commits per call; a busy one shares them.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

from appliance.events import (
    CallBridged, CallEnded, CallOffered, CallPlaced, CallQueued, CallRejected, CallTransferred,
    Event, IvrStepped, TransferFailed, utcnow,
)
from appliance.store.db import iso, open_db

log = logging.getLogger("callbox.calllog")

EVENT_TYPES = (CallOffered, CallPlaced, IvrStepped, CallQueued, CallBridged, CallEnded,
               CallRejected, CallTransferred, TransferFailed)
RETRY_S = 3.0  # how often records kept in memory (disk full) are tried again
MAX_KEPT = 20_000  # events kept in memory at most (~ a few thousand calls); older are lost, counted
# A call's first and last writes: on disk within ``commit_s``.
_PROMPT = (CallOffered, CallPlaced, CallEnded, CallRejected)


class _Flush:
    """A marker job: commit what came before it, then set ``done``."""

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


def close_interrupted(conn: sqlite3.Connection, now: datetime,
                      call_ids: list[str] | None = None) -> int:
    """Mark calls that were in flight when the box went down (or just ``call_ids``);
    returns how many."""
    where, args = "ended_at IS NULL", ()
    if call_ids is not None:
        where = f"ended_at IS NULL AND call_id IN ({','.join('?' * len(call_ids))})"
        args = tuple(call_ids)
    conn.execute("BEGIN IMMEDIATE")
    try:
        cur = conn.execute(
            "UPDATE calls SET disposition = 'interrupted', ended_at = ?, "
            f"hangup_cause = 'box restarted' WHERE {where}", (iso(now), *args))
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (disk full) may have rolled back already: a second error here
        # would hide the first one, which is the one worth reporting.
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        raise
    return cur.rowcount


class CallLog:
    """Event subscriber + writer thread. ``bus.subscribe(calllog.handle)``."""

    def __init__(self, db_path: str | Path, clock: Callable[[], datetime] = utcnow,
                 batch_s: float = 10.0, max_batch: int = 500, commit_s: float = 0.5):
        self._path = Path(db_path)
        self._clock = clock
        self._batch_s = batch_s
        self._commit_s = min(commit_s, batch_s)
        self._max_batch = max_batch
        self._jobs: queue.Queue = queue.Queue()
        self._conn: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._received = self._written = self._errors = 0
        # Disk full: events of failed batches wait here (bounded) and go first next time.
        self._kept: list[Event] = []
        self._open_calls: list[str] = []  # interrupted calls not yet closed (disk full)
        # Writer-thread state: when each call entered a queue (wait of abandoned calls).
        self._queued_at: dict[str, datetime] = {}
        self._writers: dict[type, Callable[[sqlite3.Connection, Event], int]] = {
            CallOffered: self._offered, CallPlaced: self._placed, IvrStepped: self._ivr_stepped,
            CallQueued: self._queued, CallBridged: self._bridged,
            CallEnded: self._ended, CallRejected: self._rejected,
            CallTransferred: self._transferred, TransferFailed: self._transferred,
        }

    # -- bus side ----------------------------------------------------------------
    def handle(self, event: Event) -> None:
        """Bus subscriber: enqueue call events; never touches SQLite."""
        if isinstance(event, EVENT_TYPES):
            with self._lock:
                self._received += 1
            self._jobs.put(event)

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> int:
        """Open the database, close calls a power cut left open, start the writer.

        Returns the number of calls marked ``interrupted``.
        """
        conn = open_db(self._path, check_same_thread=False)  # then used by the writer only
        try:
            closed = close_interrupted(conn, self._clock())
        except sqlite3.OperationalError as exc:  # disk full: start anyway, retry later
            self._open_calls = [r[0] for r in conn.execute(
                "SELECT call_id FROM calls WHERE ended_at IS NULL")]
            log.error("call log: cannot close %d interrupted call(s) yet (%s); calls are "
                      "still taken and their records kept in memory", len(self._open_calls), exc)
            closed = 0
        except BaseException:
            conn.close()
            raise
        if closed:
            log.warning("%d call(s) were in progress when the box stopped: marked interrupted",
                        closed)
        self._conn = conn
        self._thread = threading.Thread(target=self._run, name="calllog", daemon=True)
        self._thread.start()
        return closed

    def stop(self, timeout: float = 5.0) -> None:
        """Write everything queued, then close the database."""
        if self._thread is None:
            return
        self._jobs.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("call log writer did not stop within %.1f s", timeout)
        self._thread = None

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything handed in so far is committed (or failed)."""
        if self._thread is None:
            return False
        marker = _Flush()
        self._jobs.put(marker)
        return marker.done.wait(timeout)

    def stats(self) -> dict[str, int]:
        """``written``/``errors`` count events; ``pending`` = handed in, not yet done."""
        with self._lock:
            return {"written": self._written, "errors": self._errors,
                    "pending": self._received - self._written - self._errors}

    def kept(self) -> int:
        """Events held in memory because the disk refused them (written when it takes them)."""
        with self._lock:
            return len(self._kept)

    # -- writer thread ---------------------------------------------------------
    def _run(self) -> None:
        assert self._conn is not None
        try:
            stop = False
            while not stop:
                try:  # with records kept in memory, try the disk again every few seconds
                    batch = [self._jobs.get(timeout=RETRY_S if self._kept else None)]
                except queue.Empty:
                    batch = [_Flush()]
                if batch[0] is _STOP:
                    break
                stop = self._fill(batch)
                self._commit_batch(self._conn, batch)
        finally:
            self._conn.close()
            self._conn = None

    def _deadline(self, job: object, now: float) -> float:
        if isinstance(job, _Flush):
            return now
        return now + (self._commit_s if isinstance(job, _PROMPT) else self._batch_s)

    def _fill(self, batch: list) -> bool:
        """Add jobs until the earliest job's deadline passes or the batch is full.

        Returns True if a stop request was taken from the queue.
        """
        deadline = self._deadline(batch[0], time.monotonic())
        while len(batch) < self._max_batch:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                return False
            try:
                job = self._jobs.get(timeout=timeout)
            except queue.Empty:
                return False
            if job is _STOP:
                return True
            batch.append(job)
            deadline = min(deadline, self._deadline(job, time.monotonic()))
        return False

    def _commit_batch(self, conn: sqlite3.Connection, batch: list) -> None:
        events = self._kept + [job for job in batch if isinstance(job, Event)]
        kept, lost = [], 0
        try:
            if self._open_calls:
                close_interrupted(conn, self._clock(), self._open_calls)
                self._open_calls = []
            written = self._write_batch(conn, events)
        except sqlite3.OperationalError as exc:  # disk full, I/O error: keep, retry later
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            written, kept = 0, events[-MAX_KEPT:]
            lost = len(events) - len(kept)
            if not self._kept or lost:
                log.error("call log commit failed (%s): %d event(s) kept in memory, %d lost",
                          exc, len(kept), lost)
        except Exception:
            log.exception("call log commit failed; lost call_id=%s",
                          ",".join(sorted({getattr(e, "call_id", "-") for e in events})))
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            written, lost = 0, len(events)
        if self._kept and not kept:
            log.warning("call log: %d event(s) kept in memory are written now", len(self._kept))
        with self._lock:
            self._kept = kept
            self._written += written
            self._errors += len(events) - written - len(kept)
        for job in batch:
            if isinstance(job, _Flush):
                job.done.set()

    def _write_batch(self, conn: sqlite3.Connection, events: list[Event]) -> int:
        """Apply ``events`` in one transaction; returns how many were committed."""
        done = 0  # applied in the open transaction
        conn.execute("BEGIN")
        for event in events:
            if self._apply(conn, event):
                done += 1
            if not conn.in_transaction:  # a hard error rolled the whole batch back
                log.error("call log: transaction rolled back, %d write(s) lost", done)
                done = 0
                conn.execute("BEGIN")
        conn.execute("COMMIT")
        return done

    def _apply(self, conn: sqlite3.Connection, event: Event) -> bool:
        call_id = getattr(event, "call_id", "-")
        try:
            changed = self._writers[type(event)](conn, event)
        except Exception:  # a bad write is logged; the writer goes on
            log.exception("call log write failed call_id=%s event=%s", call_id, event.name)
            return False
        if changed == 0:
            log.warning("call log: no open record for call_id=%s (event %s)",
                        call_id, event.name)
            return False
        return True

    # -- one writer per event type (writer thread) --------------------------------
    def _offered(self, conn: sqlite3.Connection, e: CallOffered) -> int:
        return conn.execute(
            "INSERT INTO calls (call_id, direction, line, caller, caller_raw, callee, started_at)"
            " VALUES (?, 'in', ?, ?, ?, ?, ?)",
            (e.call_id, e.line, e.caller, e.caller_raw, e.callee, iso(e.at))).rowcount

    def _placed(self, conn: sqlite3.Connection, e: CallPlaced) -> int:
        # Outbound (a callback): the office line calls the customer for a dispatcher.
        return conn.execute(
            "INSERT INTO calls (call_id, direction, line, caller, caller_raw, callee, started_at,"
            " dispatcher) VALUES (?, 'out', ?, ?, ?, ?, ?, ?)",
            (e.call_id, e.line, e.line, e.line, e.number, iso(e.at), e.dispatcher)).rowcount

    def _ivr_stepped(self, conn: sqlite3.Connection, e: IvrStepped) -> int:
        return conn.execute(
            "UPDATE calls SET ivr_path = CASE WHEN ivr_path = '' THEN ?"
            " ELSE ivr_path || ',' || ? END WHERE call_id = ? AND ended_at IS NULL",
            (e.step, e.step, e.call_id)).rowcount

    def _transferred(self, conn: sqlite3.Connection, e: CallTransferred | TransferFailed) -> int:
        # A transfer is a step of the call's path: transfer:<mode>:<from>><to>[:failed];
        # once it succeeded, the record's dispatcher is the one who took the call over.
        failed = isinstance(e, TransferFailed)
        step = f"transfer:{e.mode}:{e.from_dispatcher}>{e.to_dispatcher}" + (":failed" if failed else "")
        return conn.execute(
            "UPDATE calls SET dispatcher = CASE WHEN ? THEN dispatcher ELSE ? END,"
            " ivr_path = CASE WHEN ivr_path = '' THEN ? ELSE ivr_path || ',' || ? END"
            " WHERE call_id = ? AND ended_at IS NULL",
            (failed, e.to_dispatcher, step, step, e.call_id)).rowcount

    def _queued(self, conn: sqlite3.Connection, e: CallQueued) -> int:
        # The first queue entry starts the wait (a transfer does not reset it).
        self._queued_at.setdefault(e.call_id, e.at)
        return conn.execute("UPDATE calls SET queue = ? WHERE call_id = ? AND ended_at IS NULL",
                            (e.queue, e.call_id)).rowcount

    def _bridged(self, conn: sqlite3.Connection, e: CallBridged) -> int:
        return conn.execute(
            "UPDATE calls SET dispatcher = ?, queue = COALESCE(NULLIF(?, ''), queue),"
            " wait_s = ?, answered_at = ? WHERE call_id = ? AND ended_at IS NULL",
            (e.dispatcher, e.queue, round(e.wait_s, 3), iso(e.at), e.call_id)).rowcount

    def _ended(self, conn: sqlite3.Connection, e: CallEnded) -> int:
        queued_at = self._queued_at.pop(e.call_id, None)
        wait = None if queued_at is None else round((e.at - queued_at).total_seconds(), 3)
        return conn.execute(
            "UPDATE calls SET disposition = ?, hangup_cause = ?, ended_at = ?,"
            " wait_s = COALESCE(wait_s, ?) WHERE call_id = ? AND ended_at IS NULL",
            (e.disposition, e.hangup_cause, iso(e.at), wait, e.call_id)).rowcount

    def _rejected(self, conn: sqlite3.Connection, e: CallRejected) -> int:
        # A call may be refused after it was offered: then close that row instead.
        at = iso(e.at)
        return conn.execute(
            "INSERT INTO calls (call_id, direction, line, caller, caller_raw, callee,"
            " started_at, ended_at, disposition, hangup_cause)"
            " VALUES (?, 'in', ?, ?, ?, ?, ?, ?, 'rejected', ?)"
            " ON CONFLICT (call_id) DO UPDATE SET disposition = 'rejected',"
            " ended_at = excluded.ended_at, hangup_cause = excluded.hangup_cause"
            " WHERE calls.ended_at IS NULL",
            (e.call_id, e.line, e.caller, e.caller_raw, e.callee, at, at,
             f"{e.code} {e.reason}")).rowcount
