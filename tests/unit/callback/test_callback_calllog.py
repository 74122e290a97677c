"""Callbacks in the call log: one outbound record per callback, through a real EventBus
into a real SQLite file."""

from datetime import datetime, timedelta, timezone

import pytest

from appliance.acd.acd import Acd
from appliance.callback import EVENT_TYPES, Callbacks
from appliance.events import (CallBridged, CallEnded, CallOffered, CallPlaced, EventBus,
                              LegAnswered, LegEnded)
from appliance.store.calllog import CallLog
from appliance.store.db import db_path, open_db
from calllogic_fakes import FakeControl, dispatchers, prompt, taxi_queue

T0 = datetime(2026, 11, 27, 9, 15, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Box:
    def __init__(self, data):
        self.path = db_path(data)
        self.bus = EventBus()
        self.log = CallLog(self.path, clock=lambda: T0)
        self.bus.subscribe(self.log.handle)
        self.log.start()
        self.bus.start()

    def send(self, *events) -> None:
        for event in events:
            self.bus.publish(event)

    def settle(self) -> None:
        assert self.bus.wait_idle(5) and self.log.flush(5)

    def rows(self) -> list[dict]:
        self.settle()
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


def placed(call_id: str, s: float = 0) -> CallPlaced:
    return CallPlaced(call_id=call_id, line="gsm1", number="+989121234567",
                      number_raw="0912 123 4567", dispatcher="ali", at=at(s))


def test_a_talked_callback_is_one_outbound_record(box):
    box.send(placed("cb1"),
             CallBridged(call_id="cb1", dispatcher="ali", queue="", wait_s=9.5, at=at(9.5)),
             CallEnded(call_id="cb1", disposition="callback", hangup_cause="customer hung up",
                       ended_by="caller", at=at(70)))
    [row] = box.rows()
    assert {k: row[k] for k in ("call_id", "direction", "line", "caller", "caller_raw", "callee",
                                "dispatcher", "disposition", "hangup_cause", "queue", "wait_s",
                                "ivr_path")} == {
        "call_id": "cb1", "direction": "out", "line": "gsm1", "caller": "gsm1",
        "caller_raw": "gsm1", "callee": "+989121234567", "dispatcher": "ali",
        "disposition": "callback", "hangup_cause": "customer hung up", "queue": None,
        "wait_s": 9.5, "ivr_path": ""}
    assert (row["started_at"], row["answered_at"], row["ended_at"]) == (
        "2026-11-27T09:15:00.000000Z", "2026-11-27T09:15:09.500000Z",
        "2026-11-27T09:16:10.000000Z")


def test_a_failed_callback_has_no_answer_time_and_inbound_calls_are_unchanged(box):
    box.send(CallOffered(call_id="in1", line="gsm1", kind="gsm", caller="+989121234567",
                         caller_raw="09121234567", at=at(0)),
             placed("cb1", 1),
             CallEnded(call_id="cb1", disposition="failed", hangup_cause="customer not reached "
                       "(17 busy)", ended_by="caller", at=at(5)))
    inbound, outbound = box.rows()
    assert (inbound["direction"], inbound["caller"], inbound["dispatcher"],
            inbound["ended_at"]) == ("in", "+989121234567", None, None)
    assert (outbound["direction"], outbound["disposition"], outbound["answered_at"],
            outbound["dispatcher"]) == ("out", "failed", None, "ali")


def test_callbacks_on_a_real_bus_write_their_record(box):
    acd = Acd([taxi_queue(wrapup_s=0.05)], dispatchers("ali"), FakeControl(), prompt, box.bus,
              lambda: 0.0)
    control = FakeControl()
    callbacks = Callbacks(acd, control, box.bus, prompt, lines={"gsm1": object()}, country="IR")
    box.bus.subscribe(callbacks.handle, EVENT_TYPES)
    started: list[str] = []
    box.bus.call_soon(lambda: started.append(callbacks.start("ali", "09121234567")))
    box.settle()
    [(a, _), ] = control.originated()
    box.send(LegAnswered(leg_id=a))
    box.settle()
    b = control.originated()[1][0]
    box.send(LegAnswered(leg_id=b), LegEnded(leg_id=a, code=200, reason="BYE"))
    [row] = box.rows()
    assert (row["call_id"], row["direction"], row["callee"], row["dispatcher"],
            row["disposition"], row["hangup_cause"]) == (
        started[0], "out", "+989121234567", "ali", "callback", "dispatcher hung up")
    assert row["answered_at"] is not None
