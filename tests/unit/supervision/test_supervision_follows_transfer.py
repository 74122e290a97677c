"""A supervision follows its call when the call is transferred between dispatchers: the
real queue, transfer service and supervision on one bus, with the conference bridge's
paths recorded (the audio itself: tests/e2e/test_supervision_transfer.py)."""

import pytest

from appliance import events as ev
from appliance.supervision.conversations import LiveConversations
from appliance.supervision.supervise import EVENT_TYPES, Supervision, paths
from appliance.transfer.service import Transfers
from calllogic_fakes import FakePaths, dispatchers, leg_to, make_acd, taxi_queue

PHONE = "sip:200@127.0.0.1:5090"


class Office:
    """ali talks to caller c1; the supervisor's phone and sara's can be rung."""

    def __init__(self, bus, control):
        self.bus, self.control = bus, control
        self.acd = make_acd(bus, control, [taxi_queue(ring_timeout_s=15.0, wrapup_s=5.0)],
                            dispatchers("ali", "sara", "reza"))
        self.audio = FakePaths()
        self.tr = self.acd.transfers = Transfers(self.acd, control, self.audio, bus,
                                                 lambda queue: "/prompts/hold.wav")
        self.sup = Supervision(LiveConversations(self.acd), control, self.audio, bus, PHONE)
        bus.subscribe(self.tr.handle)
        bus.subscribe(self.sup.handle, EVENT_TYPES)
        bus.subscribe(self._route)
        self.acd.enqueue("c1", "taxi", "+989121234567")
        self.a_leg = leg_to(control, "ali")
        for name in ("sara", "reza"):  # ring-all: the others' legs are cancelled on answer
            leg_to(control, name)
        bus.publish(ev.LegAnswered(leg_id=self.a_leg))
        bus.advance(6)  # sara and reza back to available
        control.clear()

    def _route(self, event):  # what CallFlow does with leg events
        if isinstance(event, ev.LegAnswered) and not event.leg_id.startswith("sup-"):
            self.acd.leg_answered(event.leg_id)
        elif isinstance(event, ev.LegEnded) and not event.leg_id.startswith("sup-"):
            self.acd.leg_ended(event.leg_id, event.code, event.reason)

    def supervise(self, mode: str, answer: bool = True) -> str:
        self.sup.supervise("c1", mode)
        leg = self.control.originated()[-1][0]
        if answer:
            self.bus.publish(ev.LegAnswered(leg_id=leg))
        return leg

    def transfer(self, to: str = "sara", mode: str = "blind") -> str:
        self.tr.start("c1", to, mode)
        return self.control.originated()[-1][0]

    def view(self) -> dict:
        return self.sup.status()[0]


@pytest.fixture
def office(bus, control):
    return Office(bus, control)


def _theirs(office, leg):
    """The paths to and from ``leg`` that carry audio: as on the bridge, a leg that was
    hung up or ended took its connections with it."""
    gone = {hung for hung, _ in office.control.hangups()}
    gone |= {e.leg_id for e in office.bus.of(ev.LegEnded)}
    return {p for p in office.audio.on if leg in p and not gone & set(p)}


@pytest.mark.parametrize("mode", ["listen", "whisper", "barge"])
def test_after_a_blind_transfer_the_supervisor_is_on_bs_leg_in_every_mode(office, bus, mode):
    sup = office.supervise(mode)
    assert _theirs(office, sup) == paths(mode, "c1", office.a_leg, sup)
    b = office.transfer()
    # While B rings: nothing changes for the supervisor (caller on hold music, A waits).
    assert _theirs(office, sup) == paths(mode, "c1", office.a_leg, sup)
    assert office.view()["dispatcher"] == "ali"
    bus.publish(ev.LegAnswered(leg_id=b))
    assert _theirs(office, sup) == paths(mode, "c1", b, sup)
    assert not [p for p in office.sup.sessions[sup].connected if office.a_leg in p]
    assert office.view() == {"call_id": "c1", "dispatcher": "sara", "mode": mode,
                             "state": "active"}


def test_an_attended_transfer_is_followed_when_it_completes(office, bus):
    sup = office.supervise("whisper")
    b = office.transfer(mode="attended")
    bus.publish(ev.LegAnswered(leg_id=b))  # ali consults sara; the supervisor still whispers to ali
    assert _theirs(office, sup) == paths("whisper", "c1", office.a_leg, sup)
    office.tr.complete("c1")
    assert _theirs(office, sup) == paths("whisper", "c1", b, sup)


def test_a_mode_change_and_an_escalation_after_the_transfer_use_bs_leg(office, bus):
    sup = office.supervise("listen")
    b = office.transfer()
    bus.publish(ev.LegAnswered(leg_id=b))
    office.sup.supervise("c1", "whisper")
    assert _theirs(office, sup) == paths("whisper", "c1", b, sup)
    assert office.sup.escalate("sara") == {"call_id": "c1", "mode": "barge", "state": "active"}
    assert _theirs(office, sup) == paths("barge", "c1", b, sup)


def test_a_supervisor_still_ringing_when_b_takes_over_joins_b(office, bus):
    sup = office.supervise("whisper", answer=False)
    b = office.transfer()
    bus.publish(ev.LegAnswered(leg_id=b))
    assert _theirs(office, sup) == set() and office.view()["dispatcher"] == "sara"
    bus.publish(ev.LegAnswered(leg_id=sup))
    assert _theirs(office, sup) == paths("whisper", "c1", b, sup)


def test_a_supervision_started_while_b_rings_follows_too(office, bus):
    b = office.transfer()
    sup = office.supervise("listen")  # the queue still has ali on the call
    assert _theirs(office, sup) == paths("listen", "c1", office.a_leg, sup)
    bus.publish(ev.LegAnswered(leg_id=b))
    assert _theirs(office, sup) == paths("listen", "c1", b, sup)


def test_a_transfer_that_fails_leaves_the_supervisor_with_a(office, bus):
    sup = office.supervise("whisper")
    b = office.transfer()
    bus.publish(ev.LegEnded(leg_id=b, code=486, reason="Busy Here"))
    assert _theirs(office, sup) == paths("whisper", "c1", office.a_leg, sup)
    assert office.view()["dispatcher"] == "ali"


def test_a_caller_back_in_the_queue_is_followed_to_whoever_takes_them(office, bus, control):
    """ali hung up while sara rang, sara did not answer: the caller waits at the front of
    the queue; the supervisor stays on the caller and joins the next dispatcher."""
    sup = office.supervise("whisper")
    b = office.transfer()
    bus.publish(ev.LegEnded(leg_id=office.a_leg, code=200, reason="Normal"))
    bus.publish(ev.LegEnded(leg_id=b, code=480, reason="Temporarily Unavailable"))
    assert bus.of(ev.TransferFailed)[-1].returned_to == "queue:taxi"
    assert ("c1", sup) in office.audio.on and sup in office.sup.sessions
    reza = leg_to(control, "reza")
    bus.publish(ev.LegAnswered(leg_id=reza))
    assert _theirs(office, sup) == paths("whisper", "c1", reza, sup)
    assert office.view()["dispatcher"] == "reza"


def test_the_call_ending_after_the_transfer_hangs_up_the_supervisor(office, bus, control):
    sup = office.supervise("listen")
    b = office.transfer()
    bus.publish(ev.LegAnswered(leg_id=b))
    office.acd.caller_hung_up("c1", "BYE")
    assert (sup, 0) in control.hangups() and office.sup.sessions == {}
