"""A dispatcher's phone holding the customer: hold music for the customer until the
phone resumes, the call ends, or a transfer has the audio (the audio: tests/e2e/
test_phone_hold.py)."""

from appliance import events as ev
from appliance.transfer.onhold import OnHold
from appliance.transfer.seats import Seats
from calllogic_fakes import leg_to, make_acd

MUSIC = "/prompts/hold_music.wav"


def office(bus, control, transferring=()):
    acd = make_acd(bus, control)
    hold = OnHold(Seats(acd), control, lambda queue: MUSIC, lambda call_id: call_id in transferring)
    bus.subscribe(hold.handle)
    acd.enqueue("c1", "taxi", "+989121234567")
    acd.leg_answered(leg_to(control, "ali"))  # ring-all: ali answers first
    bus.advance(6)  # the others back to available
    control.clear()
    return acd, hold, acd.talks["c1"].leg_id


def test_hold_plays_music_to_the_customer_and_resume_stops_it(bus, control):
    acd, hold, leg = office(bus, control)
    bus.publish(ev.LegHeld(leg_id=leg, held=True))
    assert control.commands == [("play", "c1", (MUSIC,), True)] and hold.held == {"c1": (leg, "c1")}
    bus.publish(ev.LegHeld(leg_id=leg, held=False))
    assert control.commands[-1] == ("stop_play", "c1") and hold.held == {}


def test_a_callers_own_hold_and_a_call_ending_on_hold(bus, control):
    acd, hold, leg = office(bus, control)
    bus.publish(ev.LegHeld(leg_id="c1", held=True))  # the customer's phone: not ours to fill
    assert control.commands == []
    bus.publish(ev.LegHeld(leg_id=leg, held=True))
    bus.publish(ev.CallEnded(call_id="c1", disposition="answered", hangup_cause="caller hung up"))
    assert hold.held == {}


def test_during_a_transfer_the_transfer_owns_the_customers_audio(bus, control):
    acd, hold, leg = office(bus, control, transferring={"c1"})
    bus.publish(ev.LegHeld(leg_id=leg, held=True))
    bus.publish(ev.LegHeld(leg_id=leg, held=False))
    assert control.commands == []
