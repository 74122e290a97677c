"""Dispatchers pause and resume (web page or desk button); a pause asked for during a
call takes effect when the call ends."""

import pytest

from appliance import events as ev
from calllogic_fakes import dispatchers, leg_to, legs_to, make_acd, states, taxi_queue


@pytest.fixture
def acd(bus, control):
    return make_acd(bus, control, [taxi_queue(wrapup_s=5)], dispatchers("ali", "sara"))


def test_a_paused_dispatcher_is_not_rung(bus, control, acd):
    assert acd.set_paused("ali", True) == "paused"
    acd.enqueue("c1", "taxi", "")
    assert [e.dispatcher for e in bus.of(ev.DispatcherRinging)] == ["sara"]
    assert states(acd) == {"ali": "paused", "sara": "ringing"}


def test_resume_offers_a_waiting_caller_at_once(bus, control, acd):
    acd.set_paused("ali", True)
    acd.set_paused("sara", True)
    acd.enqueue("c1", "taxi", "")
    assert control.originated() == []
    assert acd.set_paused("sara", False) == "ringing"  # already ringing for c1
    assert [(e.call_id, e.dispatcher) for e in bus.of(ev.DispatcherRinging)] == [("c1", "sara")]


def test_pause_and_resume_are_announced(bus, control, acd):
    acd.set_paused("ali", True)
    acd.set_paused("ali", True)  # a harmless repeat: no second event
    acd.set_paused("ali", False)
    changes = [(e.dispatcher, e.previous, e.state) for e in bus.of(ev.DispatcherStateChanged)]
    assert changes == [("ali", "available", "paused"), ("ali", "paused", "available")]


def test_pause_during_a_call_takes_effect_after_it(bus, control, acd):
    acd.set_paused("sara", True)
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    assert acd.set_paused("ali", True) == "busy"  # still on the call
    assert states(acd)["ali"] == "busy"
    acd.enqueue("c2", "taxi", "")
    acd.caller_hung_up("c1", "BYE")
    assert states(acd)["ali"] == "paused"  # straight to paused, no wrap-up
    bus.advance(60)
    assert states(acd)["ali"] == "paused"  # the wrap-up timer does not free them
    assert len(legs_to(control, "ali")) == 1  # c2 is not offered to a paused dispatcher
    changes = [(e.previous, e.state) for e in bus.of(ev.DispatcherStateChanged)
               if e.dispatcher == "ali"]
    assert changes[-1] == ("busy", "paused")
    acd.set_paused("ali", False)
    assert [e.call_id for e in bus.of(ev.DispatcherRinging)] == ["c1", "c2"]


def test_pause_while_ringing_takes_effect_when_the_ringing_ends(bus, control, acd):
    acd.set_paused("sara", True)
    acd.enqueue("c1", "taxi", "")
    assert acd.set_paused("ali", True) == "ringing"
    bus.advance(15)  # ali does not answer
    assert states(acd)["ali"] == "paused"
    bus.advance(60)  # nobody free: c1 keeps waiting, ali is not rung again
    assert len(legs_to(control, "ali")) == 1


def test_pause_while_ringing_then_answering_pauses_after_the_call(bus, control, acd):
    acd.set_paused("sara", True)
    acd.enqueue("c1", "taxi", "")
    acd.set_paused("ali", True)
    acd.leg_answered(leg_to(control, "ali"))
    assert states(acd)["ali"] == "busy"
    acd.caller_hung_up("c1", "BYE")
    assert states(acd)["ali"] == "paused"


def test_pause_then_resume_during_a_call_leaves_them_available(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    acd.set_paused("ali", True)
    acd.set_paused("ali", False)
    acd.caller_hung_up("c1", "BYE")
    bus.advance(5)
    assert states(acd)["ali"] == "available"


def test_toggle_pause_flips_between_available_and_paused(bus, control, acd):
    assert acd.toggle_pause("ali") == "paused"
    assert acd.toggle_pause("ali") == "available"
    assert acd.toggle_pause("ali") == "paused"


def test_toggle_during_a_call_arms_and_disarms_the_pause(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    assert acd.toggle_pause("ali") == "busy"
    assert acd.agents["ali"].pause_after is True
    assert acd.toggle_pause("ali") == "busy"  # pressed again: changed their mind
    assert acd.agents["ali"].pause_after is False
    acd.toggle_pause("ali")
    acd.caller_hung_up("c1", "BYE")
    assert states(acd)["ali"] == "paused"
    assert acd.toggle_pause("ali") == "available"


def test_pause_during_wrapup_pauses_at_once(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    acd.caller_hung_up("c1", "BYE")
    assert acd.toggle_pause("ali") == "paused"
    bus.advance(5)  # the end of the wrap-up does not un-pause
    assert states(acd)["ali"] == "paused"


def test_resume_during_wrapup_is_harmless(bus, control, acd):
    """The web's "resume" (pause action with paused=false) pressed while wrapping up."""
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    acd.caller_hung_up("c1", "BYE")
    assert states(acd)["ali"] == "wrapup"
    acd.set_paused("ali", False)  # not paused: nothing to resume
    acd.set_paused("sara", True)
    acd.enqueue("c2", "taxi", "")
    bus.advance(5)
    assert states(acd)["ali"] == "ringing"  # wrap-up ended, the waiting caller offered


def test_a_pause_and_resume_in_wrapup_does_not_cut_the_next_wrapup_short(bus, control, acd):
    """The wrap-up timer of an earlier call must not end the wrap-up of a later one."""
    acd.set_paused("sara", True)
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    acd.caller_hung_up("c1", "BYE")  # t=0: wrap-up until t=5
    bus.advance(1)
    acd.toggle_pause("ali")  # a quick pause ...
    bus.advance(1)
    acd.toggle_pause("ali")  # ... and back at t=2
    acd.enqueue("c2", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    bus.advance(1)
    acd.caller_hung_up("c2", "BYE")  # t=3: this wrap-up lasts until t=8
    acd.enqueue("c3", "taxi", "")
    bus.advance(2.5)  # t=5.5: the first call's wrap-up timer has fired
    assert states(acd)["ali"] == "wrapup"
    assert len(legs_to(control, "ali")) == 2
    bus.advance(2.5)  # t=8
    assert states(acd)["ali"] == "ringing"
