"""The call log through a real EventBus into a real SQLite file."""

import logging
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from appliance.events import (
    CallBridged, CallEnded, CallOffered, CallQueued, CallRejected, DtmfReceived, EventBus,
    IvrStepped,
)
from appliance.store.calllog import CallLog
from appliance.store.db import db_path, open_db

T0 = datetime(2026, 11, 26, 23, 40, 1, 123456, tzinfo=timezone.utc)
BOOT = datetime(2026, 11, 27, 6, 0, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[3]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def offered(call_id: str, s: float = 0) -> CallOffered:
    return CallOffered(call_id=call_id, line="gsm1", kind="gsm", caller="+989121234567",
                       caller_raw="09121234567", callee="+982188776655", at=at(s))


class Box:
    """A bus with the call log subscribed, as the composition root wires them."""

    def __init__(self, data, batch_s: float = 0.25, first_subscriber=None):
        self.path = db_path(data)
        self.bus = EventBus()
        if first_subscriber:
            self.bus.subscribe(first_subscriber)
        self.log = CallLog(self.path, clock=lambda: BOOT, batch_s=batch_s)
        self.bus.subscribe(self.log.handle)
        self.interrupted = self.log.start()
        self.bus.start()

    def send(self, *events) -> None:
        for event in events:
            self.bus.publish(event)

    def settle(self) -> None:
        assert self.bus.wait_idle(5) and self.log.flush(5)

    def rows(self) -> list[dict]:
        conn = open_db(self.path, readonly=True)
        try:
            return [dict(r) for r in conn.execute("SELECT * FROM calls ORDER BY id")]
        finally:
            conn.close()

    def close(self) -> None:
        self.bus.stop()
        self.log.stop()


@pytest.fixture
def box(tmp_path):
    b = Box(tmp_path)
    yield b
    b.close()


def test_an_answered_call_becomes_one_complete_record(box):
    box.send(offered("c1"),
             IvrStepped(call_id="c1", node="main", step="main:1", at=at(4)),
             CallQueued(call_id="c1", queue="taxi", caller="+989121234567", at=at(4)),
             CallBridged(call_id="c1", dispatcher="Ali", queue="taxi", wait_s=12.5, at=at(16.5)),
             CallEnded(call_id="c1", disposition="answered", hangup_cause="200 caller hung up",
                       at=at(90)))
    box.settle()
    (row,) = box.rows()
    assert row == {
        "id": 1, "call_id": "c1", "direction": "in", "line": "gsm1",
        "caller": "+989121234567", "caller_raw": "09121234567", "callee": "+982188776655",
        "started_at": "2026-11-26T23:40:01.123456Z",
        "answered_at": "2026-11-26T23:40:17.623456Z",
        "ended_at": "2026-11-26T23:41:31.123456Z",
        "ivr_path": "main:1", "queue": "taxi", "wait_s": 12.5, "dispatcher": "Ali",
        "disposition": "answered", "hangup_cause": "200 caller hung up"}


def test_an_abandoned_call_records_its_ivr_path_and_how_long_it_waited(box):
    steps = ["main:timeout", "main:timeout", "main:9", "main:1"]
    box.send(offered("c2"), *[IvrStepped(call_id="c2", node="main", step=s, at=at(i))
                              for i, s in enumerate(steps)],
             CallQueued(call_id="c2", queue="taxi", caller="+989121234567", at=at(20)),
             CallEnded(call_id="c2", disposition="abandoned", hangup_cause="caller hung up",
                       at=at(62.25)))
    box.settle()
    (row,) = box.rows()
    assert row["ivr_path"] == "main:timeout,main:timeout,main:9,main:1"
    assert row["wait_s"] == 42.25
    assert row["disposition"] == "abandoned"
    assert row["dispatcher"] is None and row["answered_at"] is None


def test_a_call_ended_in_the_ivr_has_no_wait(box):
    box.send(offered("c3"), CallEnded(call_id="c3", disposition="failed",
                                      hangup_cause="no input", at=at(10)))
    box.settle()
    assert box.rows()[0]["wait_s"] is None


def test_a_rejected_call_is_one_finished_record(box):
    box.send(CallRejected(call_id="r1", line="sip", caller="+79161234567",
                          caller_raw="89161234567", code=486, reason="Busy Here", at=at(0)),
             offered("r2", 1),
             CallRejected(call_id="r2", line="gsm1", caller="+989121234567",
                          caller_raw="09121234567", code=403, reason="Forbidden", at=at(2)))
    box.settle()
    r1, r2 = box.rows()
    assert (r1["disposition"], r1["hangup_cause"]) == ("rejected", "486 Busy Here")
    assert r1["started_at"] == r1["ended_at"] == "2026-11-26T23:40:01.123456Z"
    assert (r2["disposition"], r2["hangup_cause"]) == ("rejected", "403 Forbidden")
    assert r2["started_at"] < r2["ended_at"]


def test_calls_in_flight_at_a_power_cut_are_closed_as_interrupted(tmp_path):
    first = Box(tmp_path)
    first.send(offered("done"), CallEnded(call_id="done", disposition="answered",
                                          hangup_cause="bye", at=at(30)),
               offered("flying", 40))
    first.settle()
    first.close()
    second = Box(tmp_path)
    try:
        assert second.interrupted == 1
        done, flying = second.rows()
        assert done["disposition"] == "answered" and done["hangup_cause"] == "bye"
        assert flying["disposition"] == "interrupted"
        assert flying["hangup_cause"] == "box restarted"
        assert flying["ended_at"] == "2026-11-27T06:00:00.000000Z"
        # A late event for the interrupted call does not reopen or rewrite it.
        second.send(CallEnded(call_id="flying", disposition="answered", hangup_cause="x"))
        second.settle()
        assert second.rows()[1]["disposition"] == "interrupted"
    finally:
        second.close()


def test_a_failing_subscriber_does_not_stop_the_call_log(tmp_path):
    def broken(event):
        raise RuntimeError("lamp driver exploded")

    b = Box(tmp_path, first_subscriber=broken)
    try:
        b.send(offered("c1"), CallEnded(call_id="c1", disposition="answered", hangup_cause="ok"))
        b.settle()
        assert [r["disposition"] for r in b.rows()] == ["answered"]
    finally:
        b.close()


def test_a_failing_write_is_logged_with_its_call_id_and_the_writer_goes_on(box, caplog):
    caplog.set_level(logging.WARNING, "callbox.calllog")
    box.send(offered("dup"), offered("dup"),
             CallEnded(call_id="ghost", disposition="answered", hangup_cause="x"),
             DtmfReceived(call_id="dup", digit="1", method="rfc2833"),  # not logged: ignored
             offered("next"))
    box.settle()
    assert [r["call_id"] for r in box.rows()] == ["dup", "next"]
    assert box.log.stats() == {"written": 2, "errors": 2, "pending": 0}
    text = caplog.text
    assert "call_id=dup" in text and "UNIQUE" in text and "call_id=ghost" in text


def test_the_end_of_a_call_is_committed_at_once_not_with_the_batch(tmp_path):
    b = Box(tmp_path, batch_s=60)  # other writes may wait a minute for company
    try:
        b.send(offered("c1"), CallEnded(call_id="c1", disposition="answered", hangup_cause="ok"))
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not b.rows():
            time.sleep(0.01)
        assert [r["disposition"] for r in b.rows()] == ["answered"]
    finally:
        b.close()


def _wait_rows(b: Box, predicate, timeout: float = 3.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = b.rows()
        if rows and predicate(rows):
            return rows
        time.sleep(0.01)
    raise AssertionError(f"rows never matched: {b.rows()}")


def test_a_call_in_progress_is_on_disk_at_once_its_middle_waits_for_its_end(tmp_path):
    # Flash wear: a call costs two commits (start, end), not one per event.
    b = Box(tmp_path, batch_s=60)
    try:
        b.send(offered("c1"), IvrStepped(call_id="c1", node="main", step="main:1", at=at(1)))
        (row,) = _wait_rows(b, lambda rows: True)  # a restart could mark it interrupted now
        assert row["ended_at"] is None and row["ivr_path"] == "main:1"
        b.send(CallQueued(call_id="c1", queue="taxi", caller="+989121234567", at=at(2)),
               CallBridged(call_id="c1", dispatcher="Ali", queue="taxi", wait_s=1.0, at=at(3)))
        assert b.bus.wait_idle(5)
        time.sleep(0.8)  # longer than a start or an end waits (commit_s)
        assert b.rows()[0]["dispatcher"] is None  # held for company, not its own commit
        b.send(CallEnded(call_id="c1", disposition="answered", hangup_cause="ok", at=at(9)))
        (row,) = _wait_rows(b, lambda rows: rows[0]["disposition"] is not None)
        assert (row["dispatcher"], row["queue"], row["disposition"]) == ("Ali", "taxi", "answered")
    finally:
        b.close()


def test_stop_writes_everything_still_queued(tmp_path):
    b = Box(tmp_path, batch_s=60)
    b.send(*[offered(f"c{i}", i) for i in range(50)])
    assert b.bus.wait_idle(5)
    b.close()  # no flush
    assert len(b.rows()) == 50


CRASH = textwrap.dedent("""
    import os, signal, sys
    from datetime import datetime, timezone
    from appliance.events import CallEnded, CallOffered, EventBus
    from appliance.store.calllog import CallLog
    n, path = int(sys.argv[1]), sys.argv[2]
    bus, log = EventBus(), CallLog(path)
    bus.subscribe(log.handle)
    log.start(); bus.start()
    for i in range(n):
        bus.publish(CallOffered(call_id=f"c{i}", line="sip", kind="sip", caller="+1",
                                caller_raw="1"))
        bus.publish(CallEnded(call_id=f"c{i}", disposition="answered", hangup_cause="ok"))
    bus.publish(CallOffered(call_id="in-flight", line="sip", kind="sip", caller="+1",
                            caller_raw="1"))
    assert bus.wait_idle(10) and log.flush(10)
    print(log.stats(), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # the power cut: no stop(), no close()
""")


def test_ended_calls_survive_a_kill_and_the_database_is_intact(tmp_path):
    n = 200
    path = db_path(tmp_path)
    proc = subprocess.run([sys.executable, "-c", CRASH, str(n), str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    assert f"'written': {2 * n + 1}" in proc.stdout
    conn = open_db(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ended = conn.execute("SELECT count(*) FROM calls WHERE disposition = 'answered'")
    assert ended.fetchone()[0] == n
    conn.close()
    after = Box(tmp_path)
    try:
        assert after.interrupted == 1
        assert after.rows()[-1]["disposition"] == "interrupted"
    finally:
        after.close()
