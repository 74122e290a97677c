"""A conversation ends: the other leg goes too, the call is logged as answered,
the dispatcher wraps up and then takes the next waiting caller at once."""

import pytest

from appliance import events as ev
from calllogic_fakes import dispatchers, leg_to, legs_to, make_acd, states, taxi_queue


@pytest.fixture
def acd(bus, control):
    return make_acd(bus, control, [taxi_queue(wrapup_s=5)], dispatchers("ali"))


def talking(bus, control, acd, call_id="c1") -> str:
    acd.enqueue(call_id, "taxi", "+989121234567")
    leg = leg_to(control, "ali")
    bus.advance(3)
    acd.leg_answered(leg)
    return leg


def test_caller_hangs_up_during_the_talk(bus, control, acd):
    leg = talking(bus, control, acd)
    bus.advance(42)
    acd.caller_hung_up("c1", "BYE")
    assert control.hangups() == [(leg, 0)]
    ended = bus.of(ev.CallEnded)
    assert [(e.call_id, e.disposition, e.hangup_cause, e.ended_by) for e in ended] == [
        ("c1", "answered", "caller hung up", "caller")]
    assert states(acd) == {"ali": "wrapup"}
    assert not acd.owns("c1")
    ali = acd.agents["ali"]
    assert (ali.calls_answered, ali.talk_s, ali.leg_id) == (1, 42.0, "")


def test_dispatcher_hangs_up_during_the_talk(bus, control, acd):
    leg = talking(bus, control, acd)
    bus.advance(20)
    acd.leg_ended(leg, 200, "Normal call clearing")
    assert control.hangups() == [("c1", 0)]
    ended = bus.of(ev.CallEnded)
    assert [(e.call_id, e.disposition, e.hangup_cause, e.ended_by) for e in ended] == [
        ("c1", "answered", "dispatcher hung up", "dispatcher")]
    assert states(acd) == {"ali": "wrapup"}
    assert acd.agents["ali"].talk_s == 20.0


def test_the_echo_of_our_own_hangup_is_ignored(bus, control, acd):
    leg = talking(bus, control, acd)
    acd.caller_hung_up("c1", "BYE")
    acd.leg_ended(leg, 200, "we hung it up")  # the engine reports the leg we ended
    assert len(bus.of(ev.CallEnded)) == 1
    assert control.hangups() == [(leg, 0)]


def test_wrapup_then_available(bus, control, acd):
    talking(bus, control, acd)
    acd.caller_hung_up("c1", "BYE")
    bus.advance(4.99)
    assert states(acd) == {"ali": "wrapup"}
    bus.advance(0.01)
    assert states(acd) == {"ali": "available"}
    changes = [(e.previous, e.state) for e in bus.of(ev.DispatcherStateChanged)]
    assert changes == [("available", "ringing"), ("ringing", "busy"), ("busy", "wrapup"),
                       ("wrapup", "available")]


def test_the_next_waiting_caller_is_offered_as_soon_as_wrapup_ends(bus, control, acd):
    talking(bus, control, acd)
    acd.enqueue("c2", "taxi", "+989351112233")
    assert [e.call_id for e in bus.of(ev.DispatcherRinging)] == ["c1"]  # ali is busy
    bus.advance(30)
    acd.caller_hung_up("c1", "BYE")
    bus.advance(4.9)
    assert len(legs_to(control, "ali")) == 1
    bus.advance(0.1)
    assert [e.call_id for e in bus.of(ev.DispatcherRinging)] == ["c1", "c2"]
    assert states(acd) == {"ali": "ringing"}
    placed = [c for c in control.commands if c[0] == "originate"][-1]
    assert placed[3:] == ("+989351112233", "c2")


def test_second_call_is_bridged_with_its_own_wait(bus, control, acd):
    talking(bus, control, acd)
    acd.enqueue("c2", "taxi", "")
    bus.advance(10)
    acd.leg_ended(leg_to(control, "ali"), 0, "BYE")  # the dispatcher ends c1 at t=13
    bus.advance(5)
    acd.leg_answered(leg_to(control, "ali"))
    bridged = bus.of(ev.CallBridged)
    assert [(e.call_id, e.wait_s) for e in bridged] == [("c1", 3.0), ("c2", 15.0)]
    assert acd.agents["ali"].calls_answered == 1


def test_calls_in_two_conversations_end_independently(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="longest-idle")])
    acd.enqueue("c1", "taxi", "")
    acd.enqueue("c2", "taxi", "")
    ali, sara = leg_to(control, "ali"), leg_to(control, "sara")
    acd.leg_answered(ali)
    acd.leg_answered(sara)
    assert sorted(control.bridges()) == sorted([("c1", ali), ("c2", sara)])
    acd.leg_ended(sara, 0, "BYE")
    assert control.hangups() == [("c2", 0)]
    assert states(acd) == {"ali": "busy", "sara": "wrapup"}
    assert acd.owns("c1") and not acd.owns("c2")
