"""Supervision as a state machine with the audio paths of each mode (the audio itself is
tested end to end in tests/e2e/test_supervision_audio.py)."""

import pytest

from appliance import events as ev
from appliance.callback import Callbacks
from appliance.errors import CallboxError
from appliance.supervision.conversations import LiveConversations
from appliance.supervision.supervise import Supervision, paths
from calllogic_fakes import leg_to, make_acd, prompt, taxi_queue


class Paths:
    def __init__(self):
        self.on: set = set()
        self.log: list = []

    def connect(self, pairs):
        self.on |= set(pairs)
        self.log.append(("connect", tuple(pairs)))

    def disconnect(self, pairs):
        self.on -= set(pairs)
        self.log.append(("disconnect", tuple(pairs)))


def wire(bus, control, acd, phone="sip:200@127.0.0.1:5090"):
    callbacks = Callbacks(acd, control, bus, prompt, lines=("gsm1",), country="IR",
                          monotonic=bus.monotonic)
    acd.callbacks = callbacks
    bus.subscribe(callbacks.handle)
    audio = Paths()
    sup = Supervision(LiveConversations(acd, callbacks), control, audio, bus, phone)
    bus.subscribe(sup.handle, (ev.LegAnswered, ev.LegEnded, ev.CallEnded))
    return callbacks, sup, audio


def setup(bus, control, phone="sip:200@127.0.0.1:5090"):
    acd = make_acd(bus, control)
    _, sup, audio = wire(bus, control, acd, phone)
    acd.enqueue("c1", "taxi", "")
    disp = leg_to(control, "ali")
    acd.leg_answered(disp)
    return acd, sup, audio, disp


def test_each_mode_connects_who_hears_whom():
    assert paths("listen", "c", "d", "s") == {("c", "s"), ("d", "s")}
    assert paths("whisper", "c", "d", "s") == {("c", "s"), ("d", "s"), ("s", "d")}
    assert paths("barge", "c", "d", "s") == {("c", "s"), ("d", "s"), ("s", "d"), ("s", "c")}


def test_the_supervisors_phone_rings_then_the_mode_can_change_live(bus, control):
    acd, sup, audio, disp = setup(bus, control)
    sup.supervise("c1", "listen")
    leg, uri = control.originated()[-1]
    assert uri == "sip:200@127.0.0.1:5090" and audio.on == set()
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert audio.on == {("c1", leg), (disp, leg)}
    sup.supervise("c1", "barge")
    assert audio.on == paths("barge", "c1", disp, leg)
    sup.supervise("c1", "whisper")  # back: only the supervisor → caller path is cut
    assert audio.log[-2] == ("disconnect", ((leg, "c1"),))
    assert audio.on == paths("whisper", "c1", disp, leg)


def test_the_supervisor_leaves_when_the_call_ends(bus, control):
    acd, sup, audio, disp = setup(bus, control)
    sup.supervise("c1", "listen")
    leg = control.originated()[-1][0]
    bus.publish(ev.LegAnswered(leg_id=leg))
    acd.caller_hung_up("c1", "BYE")  # publishes CallEnded
    assert (leg, 0) in control.hangups() and sup.sessions == {}


def test_escalation_barges_into_the_dispatchers_call(bus, control):
    acd, sup, audio, disp = setup(bus, control)
    assert sup.escalate("ali")["mode"] == "barge"
    with pytest.raises(CallboxError, match="not on a call"):
        sup.escalate("sara")


def test_an_unanswered_supervisor_phone_gives_up(bus, control):
    acd, sup, audio, disp = setup(bus, control)
    sup.supervise("c1", "listen")
    leg = control.originated()[-1][0]
    bus.advance(30)
    assert (leg, 487) in control.hangups() and sup.sessions == {}


def test_without_a_supervisor_phone_it_is_refused(bus, control):
    acd, sup, audio, disp = setup(bus, control, phone="")
    with pytest.raises(CallboxError, match="supervisor_phone"):
        sup.supervise("c1", "listen")


def _callback_talking(bus, control, acd, callbacks, number="09121234567"):
    call_id = callbacks.start("ali", number)
    a = control.originated()[-1][0]
    bus.publish(ev.LegAnswered(leg_id=a))
    b = control.originated()[-1][0]
    bus.publish(ev.LegAnswered(leg_id=b))
    return call_id, a, b


def test_a_click_to_call_is_supervised_through_its_two_legs(bus, control):
    acd = make_acd(bus, control)
    callbacks, sup, audio = wire(bus, control, acd)
    call_id, a, b = _callback_talking(bus, control, acd, callbacks)
    ali = next(d for d in acd.status()["dispatchers"] if d["name"] == "ali")
    assert ali["on_call"] == call_id  # the live page offers listen/whisper/barge
    sup.supervise(call_id, "whisper")
    leg = control.originated()[-1][0]
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert audio.on == paths("whisper", b, a, leg)  # customer = B, dispatcher = A
    bus.publish(ev.LegEnded(leg_id=b, code=200, reason="BYE"))  # the customer hangs up
    assert (leg, 0) in control.hangups() and sup.sessions == {}


def test_escalation_reaches_a_dispatcher_on_a_callback(bus, control):
    acd = make_acd(bus, control)
    callbacks, sup, audio = wire(bus, control, acd)
    call_id, a, b = _callback_talking(bus, control, acd, callbacks)
    assert sup.escalate("ali") == {"call_id": call_id, "mode": "barge", "state": "ringing"}


def test_a_callback_still_ringing_the_customer_cannot_be_joined(bus, control):
    acd = make_acd(bus, control)
    callbacks, sup, audio = wire(bus, control, acd)
    call_id = callbacks.start("ali", "09121234567")
    bus.publish(ev.LegAnswered(leg_id=control.originated()[-1][0]))
    with pytest.raises(CallboxError, match="no conversation"):
        sup.supervise(call_id, "listen")


def test_a_call_from_a_dispatcher_menu_action_is_supervised(bus, control):
    acd = make_acd(bus, control, [taxi_queue(), taxi_queue(name="dispatcher:sara",
                                                           members=["sara"])])
    _, sup, audio = wire(bus, control, acd)
    acd.enqueue("c9", "dispatcher:sara", "")
    disp = leg_to(control, "sara")
    acd.leg_answered(disp)
    sup.supervise("c9", "listen")
    leg = control.originated()[-1][0]
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert audio.on == paths("listen", "c9", disp, leg)
