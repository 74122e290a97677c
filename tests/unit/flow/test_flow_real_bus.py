"""The same call logic on the real EventBus (its worker thread and timers), with an
injected clock so the menu timeout and the wrap-up run without waiting."""

from __future__ import annotations

import threading

import pytest

from appliance import events as ev
from appliance.acd.acd import Acd
from appliance.flow import CallFlow
from appliance.ivr.menu import MenuTree
from calllogic_fakes import dispatchers, leg_to, office_ivr, prompt, taxi_queue, wavs


class ManualClock(ev.Clock):
    def __init__(self) -> None:
        self.t = 1000.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.t += seconds


class Office:
    def __init__(self, control) -> None:
        self.clock = ManualClock()
        self.bus = ev.EventBus(self.clock)
        self.control = control
        self.acd = Acd([taxi_queue(wrapup_s=5), taxi_queue(name="office")], dispatchers("ali"),
                       control, prompt, self.bus, self.clock.monotonic)
        self.flow = CallFlow(MenuTree(office_ivr()), self.acd, control, prompt, self.bus)
        self.seen: list[ev.Event] = []
        self.bus.subscribe(self.flow.handle)
        self.bus.subscribe(self.seen.append)

    def send(self, event: ev.Event) -> None:
        self.bus.publish(event)
        assert self.bus.wait_idle(2.0)

    def advance(self, seconds: float) -> None:
        """Move the clock; the worker runs due timers after the first nudge, the second
        nudge is handled only after those timers ran (and wait_idle covers what they post)."""
        self.clock.advance(seconds)
        self.bus.call_soon(lambda: None)
        self.bus.call_soon(lambda: None)
        assert self.bus.wait_idle(2.0)

    def of(self, kind):
        return [e for e in self.seen if isinstance(e, kind)]


@pytest.fixture
def office(control):
    o = Office(control)
    o.bus.start()
    yield o
    o.bus.stop()


def test_a_whole_call_on_the_real_bus(office, control):
    office.send(ev.CallOffered(call_id="c1", line="gsm1", kind="gsm", caller="+989121234567",
                               caller_raw="09121234567"))
    office.send(ev.CallAnswered(call_id="c1"))
    assert control.plays_for("c1") == [wavs("welcome", "main_menu")]

    office.send(ev.PromptFinished(call_id="c1", token=control.last_play("c1").token))
    office.advance(4.9)
    assert office.of(ev.IvrStepped) == []
    office.advance(0.1)
    assert [e.step for e in office.of(ev.IvrStepped)] == ["main:timeout"]
    assert control.last_play("c1").files == wavs("no_input", "main_menu")

    office.send(ev.DtmfReceived(call_id="c1", digit="1", method="modem"))
    assert [e.queue for e in office.of(ev.CallQueued)] == ["taxi"]
    ali = leg_to(control, "ali")
    office.advance(6)
    office.send(ev.LegAnswered(leg_id=ali))
    assert control.bridges() == [("c1", ali)]
    assert [e.wait_s for e in office.of(ev.CallBridged)] == [6.0]

    office.advance(30)
    office.send(ev.CallHungUp(call_id="c1", code=200, reason="BYE"))
    assert [(e.disposition, e.ended_by) for e in office.of(ev.CallEnded)] == [
        ("answered", "caller")]
    office.advance(5)
    states = [(e.previous, e.state) for e in office.of(ev.DispatcherStateChanged)]
    assert states == [("available", "ringing"), ("ringing", "busy"), ("busy", "wrapup"),
                      ("wrapup", "available")]


def test_ring_timeout_and_retry_on_the_real_bus(office, control):
    office.send(ev.CallOffered(call_id="c1", line="trunk", kind="sip", caller="101",
                               caller_raw="101"))
    office.send(ev.CallAnswered(call_id="c1"))
    office.send(ev.DtmfReceived(call_id="c1", digit="2", method="info"))
    first = leg_to(control, "ali")
    office.advance(15)
    assert (first, 487) in control.hangups()
    assert [e.reason for e in office.of(ev.DispatcherNoAnswer)] == ["no answer in time"]
    office.advance(2)  # RETRY_S later ali rings again
    assert leg_to(control, "ali") != first
    assert [e.call_id for e in office.of(ev.DispatcherRinging)] == ["c1", "c1"]
