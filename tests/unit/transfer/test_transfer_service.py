"""Transfers on the queue's conversations: who rings, who hears whom, who wraps up, and
where the caller goes when B does not take them (the audio itself: tests/e2e)."""

import pytest

from appliance import events as ev
from appliance.errors import CallboxError
from appliance.transfer.service import TransferRefused, Transfers
from calllogic_fakes import (FakeNotices, FakePaths, dispatchers, leg_to, make_acd, states,
                             taxi_queue)

MUSIC = "/prompts/hold_music.wav"


class Office:
    """The queue with ali talking to caller c1 (the caller↔ali paths connected)."""

    def __init__(self, bus, control):
        self.bus, self.control = bus, control
        self.acd = make_acd(bus, control, [taxi_queue(ring_timeout_s=15.0, wrapup_s=5.0)],
                            dispatchers("ali", "sara", "reza"))
        self.paths, self.notices = FakePaths(), FakeNotices()
        self.tr = self.acd.transfers = Transfers(self.acd, control, self.paths, bus,
                                                 lambda queue: MUSIC, self.notices)
        bus.subscribe(self.tr.handle)
        bus.subscribe(self._route)
        self.acd.enqueue("c1", "taxi", "+989121234567")
        self.a_leg = leg_to(control, "ali")
        for name in ("sara", "reza"):  # ring-all: the others' legs are cancelled on answer
            leg_to(control, name)
        bus.publish(ev.LegAnswered(leg_id=self.a_leg))
        self.paths.on = {("c1", self.a_leg), (self.a_leg, "c1")}
        bus.advance(6)  # sara and reza back to available
        control.clear()
        bus.clear()

    def _route(self, event):  # what CallFlow does with leg and caller events
        if isinstance(event, ev.LegAnswered):
            self.acd.leg_answered(event.leg_id)
        elif isinstance(event, ev.LegEnded):
            self.acd.leg_ended(event.leg_id, event.code, event.reason)
        elif isinstance(event, ev.CallHungUp):
            self.acd.caller_hung_up(event.call_id, event.reason, event.code)

    def b_leg(self):
        return self.control.originated()[-1][0]


@pytest.fixture
def office(bus, control):
    return Office(bus, control)


def test_blind_rings_b_with_hold_music_then_b_has_the_caller_and_a_wraps_up(office, bus, control):
    view = office.tr.start("c1", "sara", "blind")
    leg = office.b_leg()
    assert view["state"] == "ringing-blind" and control.originated()[-1][1].startswith("sip:102@")
    assert ("play", "c1", (MUSIC,), True) in control.commands  # never silence
    assert office.paths.on == set()  # the caller no longer hears ali
    assert states(office.acd)["sara"] == "ringing" and states(office.acd)["ali"] == "busy"
    assert bus.of(ev.DispatcherRinging)[-1].dispatcher == "sara"
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert ("c1", leg) in control.bridges() and (office.a_leg, 0) in control.hangups()
    assert states(office.acd) == {"ali": "wrapup", "sara": "busy", "reza": "available"}
    assert office.acd.talks["c1"].agent == "sara" and office.acd.talks["c1"].leg_id == leg
    moved = bus.of(ev.CallTransferred)[-1]
    assert (moved.from_dispatcher, moved.to_dispatcher, moved.mode) == ("ali", "sara", "blind")
    assert office.tr.status() == []
    bus.publish(ev.LegEnded(leg_id=office.a_leg, code=200, reason="Normal"))  # A's BYE done
    assert not bus.of(ev.CallEnded)  # the caller stays with sara
    bus.publish(ev.LegEnded(leg_id=leg, code=200, reason="Normal"))
    ended = bus.of(ev.CallEnded)[-1]
    assert ended.ended_by == "dispatcher" and ("c1", 0) in control.hangups()


@pytest.mark.parametrize("how", ["timeout", "busy"])
def test_blind_that_b_does_not_take_gives_the_caller_back_to_a(office, bus, control, how):
    office.tr.start("c1", "reza")
    leg = office.b_leg()
    if how == "timeout":
        bus.advance(15.1)
        assert (leg, 487) in control.hangups()
    else:
        bus.publish(ev.LegEnded(leg_id=leg, code=486, reason="Busy Here"))
    assert ("stop_play", "c1") in control.commands
    assert office.paths.on == {("c1", office.a_leg), (office.a_leg, "c1")}
    assert states(office.acd) == {"ali": "busy", "sara": "available", "reza": "available"}
    failed = bus.of(ev.TransferFailed)[-1]
    assert failed.returned_to == "ali" and office.acd.talks["c1"].agent == "ali"
    assert bus.of(ev.DispatcherNoAnswer)[-1].dispatcher == "reza"


def test_a_gone_and_b_not_answering_puts_the_caller_at_the_front_of_the_queue(office, bus, control):
    office.tr.start("c1", "sara")
    leg = office.b_leg()
    office.acd.enqueue("c2", "taxi", "+989120000002")  # someone waits meanwhile (reza rings)
    bus.advance(3)
    bus.publish(ev.LegEnded(leg_id=office.a_leg, code=200, reason="Normal"))  # ali hung up
    assert not bus.of(ev.CallEnded) and "c1" in office.acd.talks  # the caller stays, on hold
    assert office.tr.status()[0]["from_leg_gone"] is True
    bus.publish(ev.LegEnded(leg_id=leg, code=480, reason="Temporarily Unavailable"))
    assert bus.of(ev.TransferFailed)[-1].returned_to == "queue:taxi"
    assert "c1" not in office.acd.talks and office.acd.position("c1") == 1
    assert office.acd.position("c2") == 2
    assert states(office.acd)["ali"] == "wrapup"


def test_a_gone_and_b_answering_gives_b_the_caller(office, bus, control):
    office.tr.start("c1", "sara")
    leg = office.b_leg()
    bus.publish(ev.LegEnded(leg_id=office.a_leg, code=200, reason="Normal"))
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert ("c1", leg) in control.bridges() and (office.a_leg, 0) not in control.hangups()
    assert states(office.acd)["ali"] == "wrapup" and states(office.acd)["sara"] == "busy"


def test_a_busy_offline_or_unknown_target_is_refused_and_nothing_changes(office, bus, control):
    office.acd.set_paused("reza", True)
    with pytest.raises(TransferRefused) as refused:
        office.tr.start("c1", "reza")
    assert refused.value.sip_code == 480
    with pytest.raises(TransferRefused) as refused:
        office.tr.start("c1", "nobody")
    assert refused.value.sip_code == 404
    with pytest.raises(TransferRefused):
        office.tr.start("c1", "ali")  # has it already
    with pytest.raises(ValueError):
        office.tr.start("c1", "sara", "sideways")
    with pytest.raises(CallboxError):
        office.tr.start("c9", "sara")
    assert control.commands == [] and office.paths.on == {("c1", office.a_leg), (office.a_leg, "c1")}


def test_extension_picks_the_dispatcher(office, control):
    office.tr.start("c1", "sip:103@127.0.0.1")
    assert control.originated()[-1][1].startswith("sip:103@")
    with pytest.raises(TransferRefused):
        office.tr.start("c1", "sara")  # one transfer at a time


def test_attended_consult_then_complete(office, bus, control):
    view = office.tr.start("c1", "sara", "attended")
    leg = office.b_leg()
    assert view["state"] == "ringing-consult"
    with pytest.raises(CallboxError):
        office.tr.complete("c9")
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert office.tr.status()[0]["state"] == "consulting"
    assert office.paths.on == {(office.a_leg, leg), (leg, office.a_leg)}  # caller still on hold
    assert states(office.acd) == {"ali": "busy", "sara": "busy", "reza": "available"}
    office.tr.complete("c1")
    assert office.paths.on == set() and ("c1", leg) in control.bridges()
    assert (office.a_leg, 0) in control.hangups()
    assert states(office.acd)["ali"] == "wrapup" and office.acd.talks["c1"].agent == "sara"
    assert bus.of(ev.CallTransferred)[-1].mode == "attended"


@pytest.mark.parametrize("how", ["cancel", "b_hangs_up"])
def test_attended_cancelled_or_b_hanging_up_goes_back_to_a(office, bus, control, how):
    office.tr.start("c1", "sara", "attended")
    leg = office.b_leg()
    bus.publish(ev.LegAnswered(leg_id=leg))
    if how == "cancel":
        office.tr.cancel("c1")
        assert (leg, 0) in control.hangups()
    else:
        bus.publish(ev.LegEnded(leg_id=leg, code=200, reason="Normal"))
    assert ("c1", office.a_leg) in office.paths.on and ("stop_play", "c1") in control.commands
    assert states(office.acd) == {"ali": "busy", "sara": "wrapup", "reza": "available"}
    assert office.tr.status() == [] and bus.of(ev.TransferFailed)[-1].returned_to == "ali"
    with pytest.raises(CallboxError):
        office.tr.cancel("c1")


def test_attended_a_hanging_up_while_consulting_hands_the_caller_to_b(office, bus, control):
    office.tr.start("c1", "sara", "attended")
    leg = office.b_leg()
    bus.publish(ev.LegAnswered(leg_id=leg))
    bus.publish(ev.LegEnded(leg_id=office.a_leg, code=200, reason="Normal"))
    assert ("c1", leg) in control.bridges() and not bus.of(ev.CallEnded)
    assert states(office.acd)["ali"] == "wrapup" and office.acd.talks["c1"].agent == "sara"


def test_attended_complete_while_b_rings_becomes_blind(office, bus, control):
    office.tr.start("c1", "sara", "attended")
    leg = office.b_leg()
    with pytest.raises(CallboxError):
        office.tr.start("c1", "reza")
    office.tr.complete("c1")
    assert (office.a_leg, 0) in control.hangups()
    bus.publish(ev.LegEnded(leg_id=office.a_leg, code=200, reason="Normal"))
    assert office.tr.status()[0]["state"] == "ringing-blind"
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert ("c1", leg) in control.bridges() and office.acd.talks["c1"].agent == "sara"
    with pytest.raises(CallboxError):
        office.tr.complete("c1")  # nothing left to complete


def test_the_caller_hanging_up_during_a_transfer_ends_the_call_and_frees_b(office, bus, control):
    office.tr.start("c1", "sara")
    leg = office.b_leg()
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="BYE"))
    assert bus.of(ev.CallEnded)[-1].ended_by == "caller"
    assert (leg, 487) in control.hangups() and (office.a_leg, 0) in control.hangups()
    assert states(office.acd) == {"ali": "wrapup", "sara": "available", "reza": "available"}
    assert office.tr.status() == []


def test_refer_from_a_phone_is_a_blind_transfer_with_its_notify(office, bus, control):
    bus.publish(ev.TransferRequested(leg_id=office.a_leg, target="sip:102@127.0.0.1:5060"))
    leg = office.b_leg()
    assert office.tr.status()[0]["mode"] == "blind"
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert office.notices.sent == [(office.a_leg, 200)]


def test_refer_refusals_say_why_in_the_notify(office, bus, control):
    bus.publish(ev.TransferRequested(leg_id=office.a_leg, target="sip:999@box"))
    bus.publish(ev.TransferRequested(leg_id="leg-unknown", target="sip:102@box"))
    assert office.notices.sent == [(office.a_leg, 404), ("leg-unknown", 603)]
    bus.publish(ev.TransferRequested(leg_id=office.a_leg, target="sip:102@box", replaces="x;to-tag=1"))
    # Replaces naming no call of this dispatcher to a colleague: refused, nothing dialled
    assert office.notices.sent[2:] == [(office.a_leg, 603)] and control.originated() == []
    bus.publish(ev.TransferRequested(leg_id=office.a_leg, target="sip:103@box"))
    bus.advance(15.1)
    assert office.notices.sent[-1] == (office.a_leg, 408)
