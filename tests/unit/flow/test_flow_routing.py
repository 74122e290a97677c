"""Whole calls through CallFlow: line events in (as the SIP engine or a modem posts them),
commands out to CallControl, and the events the call log, lamps and web feed see."""

import pytest

from appliance import events as ev
from calllogic_fakes import leg_to, legs_to, make_acd, make_flow, states, taxi_queue, wavs

CALLER = "+989121234567"


@pytest.fixture
def acd(bus, control):
    return make_acd(bus, control, [taxi_queue(), taxi_queue(name="office")])


@pytest.fixture
def flow(bus, control, acd):
    return make_flow(bus, control, acd)


def offer(bus, call_id="c1", caller=CALLER):
    bus.publish(ev.CallOffered(call_id=call_id, line="trunk", kind="sip", caller=caller,
                               caller_raw=caller.lstrip("+")))
    bus.publish(ev.CallAnswered(call_id=call_id))


def prompt_ends(bus, control, call_id="c1"):
    bus.publish(ev.PromptFinished(call_id=call_id, token=control.last_play(call_id).token))


def dtmf(bus, digit, call_id="c1"):
    bus.publish(ev.DtmfReceived(call_id=call_id, digit=digit, method="rfc2833"))


def ended(bus):
    return [(e.call_id, e.disposition, e.hangup_cause, e.ended_by) for e in bus.of(ev.CallEnded)]


def test_an_offered_call_is_answered_and_hears_the_greeting_and_menu(bus, control, flow):
    offer(bus)
    assert control.commands[0] == ("answer", "c1")
    assert control.plays_for("c1") == [wavs("welcome", "main_menu")]
    assert flow.status()["in_menu"] == [{"call_id": "c1", "caller": CALLER, "menu": "main"}]


def test_a_digit_queues_the_caller_and_rings_the_dispatchers(bus, control, acd, flow):
    offer(bus)
    dtmf(bus, "1")  # barge-in on the greeting
    assert [e.step for e in bus.of(ev.IvrStepped)] == ["main:1"]
    assert [(e.call_id, e.queue, e.caller) for e in bus.of(ev.CallQueued)] == [
        ("c1", "taxi", CALLER)]
    assert control.last_play("c1").files == wavs("please_hold")
    assert states(acd) == {"ali": "ringing", "sara": "ringing"}
    status = flow.status()
    assert status["in_menu"] == []
    assert [w["call_id"] for w in status["queues"][0]["waiting"]] == ["c1"]


def test_prompt_ends_reach_the_menu_then_the_hold_music(bus, control, flow):
    offer(bus)
    prompt_ends(bus, control)
    bus.advance(5)
    assert control.last_play("c1").files == wavs("no_input", "main_menu")
    prompt_ends(bus, control)
    dtmf(bus, "2")
    prompt_ends(bus, control)  # "please hold" ends
    last = control.last_play("c1")
    assert (last.files, last.loop) == (wavs("hold_music"), True)
    assert [e.queue for e in bus.of(ev.CallQueued)] == ["office"]


def test_silence_ends_in_the_default_queue(bus, control, flow):
    offer(bus)
    for _ in range(3):  # first try + 2 retries
        prompt_ends(bus, control)
        bus.advance(5)
    assert [e.queue for e in bus.of(ev.CallQueued)] == ["office"]
    assert [e.step for e in bus.of(ev.IvrStepped)] == ["main:timeout"] * 3


def test_digits_after_queueing_change_nothing(bus, control, flow):
    offer(bus)
    dtmf(bus, "1")
    dtmf(bus, "2")
    dtmf(bus, "9")
    assert [e.queue for e in bus.of(ev.CallQueued)] == ["taxi"]
    assert control.last_play("c1").files == wavs("please_hold")


def test_answered_by_a_dispatcher_and_bridged(bus, control, flow):
    offer(bus)
    dtmf(bus, "1")
    bus.advance(4)
    ali = leg_to(control, "ali")
    bus.publish(ev.LegRinging(leg_id=ali))
    bus.publish(ev.LegAnswered(leg_id=ali))
    assert control.bridges() == [("c1", ali)]
    assert (leg_to(control, "sara"), 487) in control.hangups()
    assert [(e.dispatcher, e.queue, e.wait_s) for e in bus.of(ev.CallBridged)] == [
        ("ali", "taxi", 4.0)]


def test_caller_hangs_up_during_the_talk(bus, control, acd, flow):
    offer(bus)
    dtmf(bus, "1")
    ali = leg_to(control, "ali")
    bus.publish(ev.LegAnswered(leg_id=ali))
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="BYE"))
    assert (ali, 0) in control.hangups()
    bus.publish(ev.LegEnded(leg_id=ali, code=200, reason="we hung up"))  # the echo
    assert ended(bus) == [("c1", "answered", "caller hung up", "caller")]
    assert states(acd)["ali"] == "wrapup"
    assert flow.callers == {}


def test_dispatcher_hangs_up_during_the_talk(bus, control, acd, flow):
    offer(bus)
    dtmf(bus, "1")
    sara = leg_to(control, "sara")
    bus.publish(ev.LegAnswered(leg_id=sara))
    bus.publish(ev.LegEnded(leg_id=sara, code=200, reason="BYE"))
    assert ("c1", 0) in control.hangups()
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="we hung up"))  # the echo
    assert ended(bus) == [("c1", "answered", "dispatcher hung up", "dispatcher")]
    assert states(acd)["sara"] == "wrapup"


def test_caller_hangs_up_in_the_menu(bus, control, flow):
    offer(bus)
    prompt_ends(bus, control)
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="BYE"))
    assert ended(bus) == [("c1", "abandoned", "caller hung up in the menu", "caller")]
    bus.advance(60)  # the digit timer died with the call
    assert bus.of(ev.IvrStepped) == [] and bus.of(ev.CallQueued) == []
    assert flow.status()["in_menu"] == []


def test_caller_hangs_up_while_waiting(bus, control, acd, flow):
    offer(bus)
    dtmf(bus, "1")
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="BYE"))
    assert [(c, d, b) for c, d, _, b in ended(bus)] == [("c1", "abandoned", "caller")]
    assert sorted(control.hangups()) == sorted(
        [(leg_to(control, "ali"), 487), (leg_to(control, "sara"), 487)])
    assert states(acd) == {"ali": "available", "sara": "available"}


def test_hangup_option_says_goodbye_then_hangs_up(bus, control, flow):
    offer(bus)
    dtmf(bus, "9")
    assert control.last_play("c1").files == wavs("goodbye")
    assert control.hangups() == []  # not before the goodbye is heard
    prompt_ends(bus, control)
    assert control.hangups() == [("c1", 0)]
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="we hung up"))
    assert ended(bus) == [("c1", "failed", "menu: hang up", "box")]
    assert bus.of(ev.CallQueued) == []


def test_sub_menu_default_hangs_up_with_goodbye(bus, control, flow):
    offer(bus)
    dtmf(bus, "3")
    for _ in range(2):  # info: 4 s, 1 retry, then hang up
        prompt_ends(bus, control)
        bus.advance(4)
    assert control.last_play("c1").files == wavs("goodbye")
    prompt_ends(bus, control)
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="we hung up"))
    assert [d for _, d, _, _ in ended(bus)] == ["failed"]


def test_a_no_slot_leg_is_a_refusal(bus, control, acd, flow):
    offer(bus)
    dtmf(bus, "1")
    ali = leg_to(control, "ali")
    bus.publish(ev.LegEnded(leg_id=ali, code=503, reason="no call slot free"))
    assert [(e.dispatcher, e.reason) for e in bus.of(ev.DispatcherNoAnswer)] == [
        ("ali", "503 no call slot free")]
    assert states(acd) == {"ali": "available", "sara": "ringing"}
    assert len(legs_to(control, "ali")) == 1


def test_two_callers_are_kept_apart(bus, control, acd, flow):
    offer(bus, "c1", CALLER)
    offer(bus, "c2", "+79161234567")
    dtmf(bus, "1", "c2")
    assert flow.status()["in_menu"] == [{"call_id": "c1", "caller": CALLER, "menu": "main"}]
    assert [(e.call_id, e.caller) for e in bus.of(ev.CallQueued)] == [("c2", "+79161234567")]
    dtmf(bus, "2", "c1")
    assert [(e.call_id, e.queue) for e in bus.of(ev.CallQueued)] == [
        ("c2", "taxi"), ("c1", "office")]
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="BYE"))
    assert [c for c, *_ in ended(bus)] == ["c1"]
    assert acd.owns("c2")


@pytest.mark.parametrize("script", ["menu", "goodbye", "queue", "talk-caller", "talk-dispatcher"])
def test_every_call_ends_exactly_once(bus, control, acd, flow, script):
    """The call log writes one record per CallEnded: never none, never two."""
    offer(bus)
    if script == "goodbye":
        dtmf(bus, "9")
        prompt_ends(bus, control)
    elif script != "menu":
        dtmf(bus, "1")
    if script.startswith("talk"):
        bus.publish(ev.LegAnswered(leg_id=leg_to(control, "ali")))
    if script == "talk-dispatcher":
        bus.publish(ev.LegEnded(leg_id=leg_to(control, "ali"), code=200, reason="BYE"))
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="BYE"))
    for leg in legs_to(control, "ali") + legs_to(control, "sara"):
        bus.publish(ev.LegEnded(leg_id=leg, code=487, reason="echo"))
    bus.advance(60)
    assert len(bus.of(ev.CallEnded)) == 1
    assert flow.callers == {} and flow.ivr == {} and not acd.owns("c1")
