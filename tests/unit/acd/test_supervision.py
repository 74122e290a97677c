"""Supervision as a state machine with the audio paths of each mode (the audio itself is
tested end to end in tests/e2e/test_supervision_audio.py)."""

import pytest

from appliance import events as ev
from appliance.errors import CallboxError
from appliance.supervision.supervise import Supervision, paths
from calllogic_fakes import leg_to, make_acd


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


def setup(bus, control, phone="sip:200@127.0.0.1:5090"):
    acd = make_acd(bus, control)
    audio = Paths()
    sup = Supervision(acd, control, audio, bus, phone)
    bus.subscribe(sup.handle, (ev.LegAnswered, ev.LegEnded, ev.CallEnded))
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
