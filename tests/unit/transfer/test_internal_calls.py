"""Calls between dispatchers' phones through the box, and the attended transfer a phone
makes with one (REFER with Replaces): who rings, who hears what, who is busy, what the
call log says (the audio itself: tests/e2e/test_transfer.py)."""

import pytest

from appliance import events as ev
from appliance.acd.acd import Acd
from appliance.transfer.internal import InternalCalls
from appliance.transfer.service import Transfers
from calllogic_fakes import (PHONES, FakeNotices, FakePaths, dispatchers, leg_to, prompt,
                             states, taxi_queue)

EXT = {"101": "ali", "102": "sara", "103": "reza"}
MUSIC = "/prompts/hold_music.wav"


class Office:
    """ali talks to caller c1 (queue taxi); sara and reza are free."""

    def __init__(self, bus, control):
        self.bus, self.control = bus, control
        self.acd = Acd([taxi_queue(ring_timeout_s=15.0, wrapup_s=5.0, strategy="longest-idle",
                                   members=["ali"])], dispatchers("ali", "sara", "reza"),
                       control, prompt, bus, bus.monotonic)
        self.internal = InternalCalls(self.acd, control, bus, lambda user, src: EXT.get(user),
                                      lambda key: f"/p/{key}.wav")
        self.notices = FakeNotices()
        self.tr = self.acd.transfers = Transfers(
            self.acd, control, FakePaths(), bus, lambda queue: MUSIC, self.notices,
            ringback=lambda: "/p/ringback.wav", internal=self.internal)
        bus.subscribe(self.internal.handle)
        bus.subscribe(self.tr.handle)
        bus.subscribe(self._route)
        self.acd.enqueue("c1", "taxi", "+989121234567")
        self.a_leg = leg_to(control, "ali")
        bus.publish(ev.LegAnswered(leg_id=self.a_leg))
        control.clear()
        bus.clear()

    def _route(self, event):  # what CallFlow does with leg and caller events
        if isinstance(event, ev.LegAnswered):
            self.acd.leg_answered(event.leg_id)
        elif isinstance(event, ev.LegEnded):
            self.acd.leg_ended(event.leg_id, event.code, event.reason)
        elif isinstance(event, ev.CallHungUp):
            self.acd.caller_hung_up(event.call_id, event.reason, event.code)

    def dial(self, call_id: str, from_ext: str, to: str) -> bool:
        """A phone calls the box (answered at once, as the SIP engine does)."""
        self.bus.publish(ev.CallOffered(call_id=call_id, line="sip", kind="sip", caller=from_ext,
                                        caller_raw=from_ext, callee=to, source="127.0.0.1"))
        return self.internal.take(call_id)


@pytest.fixture
def office(bus, control):
    return Office(bus, control)


def ended(bus, call_id):
    return [e for e in bus.of(ev.CallEnded) if e.call_id == call_id]


def test_a_free_dispatcher_calls_a_colleague_hears_ringback_then_talks(office, bus, control):
    assert office.dial("i1", "102", "103")
    leg = leg_to(control, "reza")
    assert ("play", "i1", ("/p/ringback.wav",), True) in control.commands
    assert ("originate", leg, PHONES["reza"], "102", "i1") in control.commands  # shows sara
    assert states(office.acd)["reza"] == "ringing" and states(office.acd)["sara"] == "ringing"
    assert office.internal.status() == [{"call_id": "i1", "from": "sara", "to": "reza",
                                         "state": "ringing"}]
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert control.bridges() == [("i1", leg)]
    assert states(office.acd)["reza"] == "busy" and states(office.acd)["sara"] == "busy"
    assert bus.of(ev.CallBridged)[-1].dispatcher == "reza"
    bus.publish(ev.CallHungUp(call_id="i1", code=200, reason="BYE"))
    assert (leg, 0) in control.hangups()
    assert states(office.acd)["reza"] == "wrapup" and states(office.acd)["sara"] == "wrapup"
    end = ended(bus, "i1")[0]
    assert end.disposition == "answered" and end.ended_by == "caller"
    assert [s.step for s in bus.of(ev.IvrStepped)] == ["internal:sara>reza"]
    assert office.internal.status() == []


def test_a_colleague_on_a_call_is_not_rung_and_the_caller_hears_why(office, bus, control):
    assert office.dial("i1", "102", "ali")  # by name as well as extension
    assert control.originated() == [] and states(office.acd)["ali"] == "busy"
    said = control.last_play("i1")
    assert said.files == ("/p/colleague_unavailable.wav",)
    bus.publish(ev.PromptFinished(call_id="i1", token=said.token))
    assert ("i1", 0) in control.hangups()
    end = ended(bus, "i1")[0]
    assert end.disposition == "failed" and "ali not reached: busy" in end.hangup_cause


def test_a_colleague_who_does_not_answer_rings_out_then_is_free(office, bus, control):
    office.dial("i1", "102", "103")
    leg = leg_to(control, "reza")
    bus.advance(office.acd.queue_ring_timeout("dispatcher:reza") + 0.1)
    assert (leg, 487) in control.hangups()
    assert states(office.acd)["reza"] == "available" and states(office.acd)["sara"] == "available"
    assert control.last_play("i1").files == ("/p/colleague_unavailable.wav",)
    bus.publish(ev.CallHungUp(call_id="i1", code=200, reason="BYE"))  # before the prompt ends
    assert "no answer" in ended(bus, "i1")[0].hangup_cause


def test_calls_that_are_not_between_dispatchers_go_to_the_menu(office):
    assert not office.dial("x1", "0912", "103")  # not a dispatcher's phone
    assert not office.dial("x2", "102", "999")  # no such colleague
    assert not office.dial("x3", "102", "102")  # their own extension
    assert not office.dial("x4", "102", "*1")  # a feature code


def test_a_phone_completes_an_attended_transfer_with_its_call_to_b(office, bus, control):
    office.dial("i1", "101", "102")  # ali, on the caller's call, dials sara
    assert states(office.acd)["ali"] == "busy"  # still on c1: not reserved again
    leg = leg_to(control, "sara")
    bus.publish(ev.LegAnswered(leg_id=leg))
    bus.publish(ev.TransferRequested(leg_id=office.a_leg, target="sip:102@box", replaces="i1"))
    assert ("c1", leg) in control.bridges()
    assert (office.a_leg, 0) in control.hangups() and ("i1", 0) in control.hangups()
    assert (leg, 0) not in control.hangups() and (leg, 487) not in control.hangups()
    assert office.notices.sent == [(office.a_leg, 200)]
    assert office.acd.talks["c1"].agent == "sara"
    assert states(office.acd) == {"ali": "wrapup", "sara": "busy", "reza": "available"}
    moved = bus.of(ev.CallTransferred)[-1]
    assert (moved.mode, moved.from_dispatcher, moved.to_dispatcher) == ("attended", "ali", "sara")
    assert "sara took the caller" in ended(bus, "i1")[0].hangup_cause
    assert office.internal.status() == [] and office.tr.status() == []


def test_a_phone_that_transfers_while_b_still_rings_leaves_the_caller_on_hold(office, bus, control):
    office.dial("i1", "101", "102")
    leg = leg_to(control, "sara")
    # this phone sends the REFER on its call to B, naming the caller's call
    bus.publish(ev.TransferRequested(leg_id="i1", target="sip:c1@box", replaces=office.a_leg))
    assert ("play", "c1", (MUSIC,), True) in control.commands
    assert (office.a_leg, 0) in control.hangups() and ("i1", 0) in control.hangups()
    assert office.tr.status()[0]["state"] == "ringing-blind"
    bus.publish(ev.LegEnded(leg_id=office.a_leg, code=200, reason="BYE"))
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert ("c1", leg) in control.bridges() and office.notices.sent == [("i1", 200)]
    assert office.acd.talks["c1"].agent == "sara"


def test_a_replaces_naming_another_dispatchers_call_is_refused(office, bus, control):
    office.dial("i1", "103", "102")  # reza calls sara; ali's phone names that call
    bus.publish(ev.TransferRequested(leg_id=office.a_leg, target="sip:102@box", replaces="i1"))
    assert office.notices.sent == [(office.a_leg, 603)]
    assert office.acd.talks["c1"].agent == "ali" and office.tr.status() == []
