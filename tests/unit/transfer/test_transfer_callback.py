"""A click-to-call (or a queue's callback) is transferred like a queue call: the
customer's leg (the callback's leg B) goes to the new dispatcher, who then owns the call
until it ends (the audio itself: tests/e2e/test_transfer.py)."""

import pytest

from appliance import events as ev
from appliance.callback import Callbacks
from appliance.transfer.service import Transfers
from calllogic_fakes import FakePaths, dispatchers, leg_to, make_acd, prompt, states, taxi_queue

MUSIC = "/prompts/hold_music.wav"


class Office:
    """ali is talking to a customer he called back (legs a, b)."""

    def __init__(self, bus, control):
        self.bus, self.control = bus, control
        self.acd = make_acd(bus, control, [taxi_queue(wrapup_s=5.0, ring_timeout_s=15.0)],
                            dispatchers("ali", "sara"))
        self.callbacks = Callbacks(self.acd, control, bus, prompt, lines=("gsm1",), country="IR",
                                   monotonic=bus.monotonic)
        self.paths = FakePaths()
        self.tr = self.acd.transfers = Transfers(self.acd, control, self.paths, bus,
                                                 lambda queue: MUSIC, callbacks=self.callbacks)
        self.callbacks.transfers = self.tr
        bus.subscribe(self.callbacks.handle)
        bus.subscribe(self.tr.handle)
        self.call_id = self.callbacks.start("ali", "09121234567")
        self.a = control.originated()[0][0]
        bus.publish(ev.LegAnswered(leg_id=self.a))
        self.b = control.originated()[1][0]
        bus.publish(ev.LegAnswered(leg_id=self.b))
        self.paths.on = {(self.a, self.b), (self.b, self.a)}
        control.clear()
        bus.clear()


@pytest.fixture
def office(bus, control):
    return Office(bus, control)


def test_a_callback_transferred_blind_goes_to_b_who_then_ends_it(office, bus, control):
    view = office.tr.start(office.call_id, "sara", "blind")
    assert view["from"] == "ali" and view["to"] == "sara"
    leg = leg_to(control, "sara")
    assert ("play", office.b, (MUSIC,), True) in control.commands  # the customer on hold
    assert office.paths.on == set()
    assert control.commands[-1][3] == "+989121234567"  # sara's phone shows the customer
    bus.publish(ev.LegAnswered(leg_id=leg))
    assert (office.b, leg) in control.bridges() and (office.a, 0) in control.hangups()
    assert states(office.acd) == {"ali": "wrapup", "sara": "busy"}
    moved = bus.of(ev.CallTransferred)[-1]
    assert moved.legs == (office.b, leg) and moved.call_id == office.call_id
    bus.publish(ev.LegEnded(leg_id=office.a, code=200, reason="BYE"))  # ali's old leg: no end
    assert bus.of(ev.CallEnded) == []
    bus.publish(ev.LegEnded(leg_id=leg, code=200, reason="BYE"))  # sara hangs up
    assert (office.b, 0) in control.hangups()
    [end] = bus.of(ev.CallEnded)
    assert (end.disposition, end.hangup_cause) == ("callback", "dispatcher hung up")
    assert states(office.acd)["sara"] == "wrapup"


def test_a_callback_whose_transfer_fails_after_a_left_hangs_up_the_customer(office, bus, control):
    office.tr.start(office.call_id, "sara", "blind")
    leg = leg_to(control, "sara")
    bus.publish(ev.LegEnded(leg_id=office.a, code=200, reason="BYE"))  # ali leaves meanwhile
    assert bus.of(ev.CallEnded) == []  # the customer still waits for sara
    bus.publish(ev.LegEnded(leg_id=leg, code=486, reason="Busy Here"))
    assert (office.b, 0) in control.hangups()
    [end] = bus.of(ev.CallEnded)
    assert "dispatcher left during a failed transfer" in end.hangup_cause
    assert states(office.acd) == {"ali": "wrapup", "sara": "available"}


def test_a_callback_given_back_is_connected_to_a_again(office, bus, control):
    office.tr.start(office.call_id, "sara", "attended")
    office.tr.cancel(office.call_id)
    assert office.paths.on == {(office.a, office.b), (office.b, office.a)}
    assert ("stop_play", office.b) in control.commands
    assert states(office.acd) == {"ali": "busy", "sara": "available"}
