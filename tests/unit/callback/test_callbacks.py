"""Click-to-call: the dispatcher's phone rings first, then the customer's; they are bridged,
and whoever hangs up ends both legs. Driven by leg events as the telephony side sends them."""

import pytest

from appliance import events as ev
from appliance.callback import Callbacks
from appliance.errors import CallboxError
from calllogic_fakes import (PHONES, dispatchers, leg_to, make_acd, make_flow, prompt, states,
                             taxi_queue, wavs)

NUMBER = "0912 123 4567"
E164 = "+989121234567"


@pytest.fixture
def acd(bus, control):
    return make_acd(bus, control, [taxi_queue(wrapup_s=5.0)])


def make_callbacks(bus, control, acd, lines=("gsm1", "gsm2")) -> Callbacks:
    callbacks = Callbacks(acd, control, bus, prompt, lines=lines, country="IR",
                          ring_timeout_s=20.0, customer_timeout_s=30.0, monotonic=bus.monotonic)
    bus.subscribe(callbacks.handle)
    return callbacks


@pytest.fixture
def callbacks(bus, control, acd):
    return make_callbacks(bus, control, acd)


def legs(control) -> tuple[str, str]:
    """(dispatcher leg, customer leg) of the one callback placed."""
    placed = control.originated()
    return placed[0][0], (placed[1][0] if len(placed) > 1 else "")


def ended(bus) -> list[tuple[str, str, str]]:
    return [(e.disposition, e.hangup_cause, e.ended_by) for e in bus.of(ev.CallEnded)]


def answer_both(bus, control, callbacks):
    call_id = callbacks.start("ali", NUMBER)
    a, _ = legs(control)
    bus.publish(ev.LegRinging(leg_id=a))
    bus.publish(ev.LegAnswered(leg_id=a))
    _, b = legs(control)
    bus.publish(ev.LegRinging(leg_id=b))
    bus.publish(ev.LegAnswered(leg_id=b))
    return call_id, a, b


def test_the_dispatchers_phone_rings_first_showing_the_customers_number(bus, control, acd,
                                                                        callbacks):
    call_id = callbacks.start("ali", NUMBER)
    [(a, uri, caller_id, for_call)] = [c[1:] for c in control.commands if c[0] == "originate"]
    assert (uri, caller_id, for_call) == (PHONES["ali"], E164, "")
    assert states(acd) == {"ali": "ringing", "sara": "available"}
    [placed] = bus.of(ev.CallPlaced)
    assert (placed.call_id, placed.line, placed.number, placed.number_raw, placed.dispatcher) == \
        (call_id, "gsm1", E164, NUMBER, "ali")
    assert [(e.dispatcher, e.leg_id) for e in bus.of(ev.DispatcherRinging)] == [("ali", a)]


def test_answered_callback_bridges_then_ends_when_the_customer_hangs_up(bus, control, acd,
                                                                        callbacks):
    call_id = callbacks.start("ali", NUMBER)
    a, _ = legs(control)
    bus.advance(4)
    bus.publish(ev.LegAnswered(leg_id=a))
    assert states(acd)["ali"] == "busy"
    assert control.plays_for(a) == [wavs("calling_customer")]
    _, b = legs(control)
    assert control.originated()[1] == (b, "gsm:gsm1/09121234567")  # the first GSM line
    bus.advance(6)
    bus.publish(ev.LegAnswered(leg_id=b))
    assert control.bridges() == [(a, b)]
    [bridged] = bus.of(ev.CallBridged)
    assert (bridged.call_id, bridged.dispatcher, bridged.queue, bridged.wait_s) == \
        (call_id, "ali", "", 10.0)
    bus.advance(60)  # no ring timeout cuts a conversation
    assert control.hangups() == [] and ended(bus) == []
    bus.publish(ev.LegEnded(leg_id=b, code=16, reason="normal"))
    assert control.hangups() == [(a, 0)]
    assert ended(bus) == [("callback", "customer hung up", "caller")]
    assert bus.of(ev.CallEnded)[0].call_id == call_id
    assert states(acd)["ali"] == "wrapup"
    bus.advance(5)
    assert states(acd)["ali"] == "available"
    assert callbacks.active == {}


def test_dispatcher_hanging_up_during_the_talk_ends_the_customers_leg(bus, control, callbacks):
    _, a, b = answer_both(bus, control, callbacks)
    bus.publish(ev.LegEnded(leg_id=a, code=200, reason="BYE"))
    assert control.hangups() == [(b, 0)]
    assert ended(bus) == [("callback", "dispatcher hung up", "dispatcher")]
    bus.publish(ev.LegEnded(leg_id=b, code=16, reason="box hung up"))  # our own hang-up
    assert len(bus.of(ev.CallEnded)) == 1


@pytest.mark.parametrize("state_of_ali", ["busy", "paused", "wrapup"])
def test_a_dispatcher_who_is_not_free_is_refused_with_a_clear_message(bus, control, acd,
                                                                       callbacks, state_of_ali):
    if state_of_ali == "paused":
        acd.set_paused("ali", True)
    else:
        acd.enqueue("c1", "taxi", "+989350000000")
        acd.leg_answered(leg_to(control, "ali"))
        if state_of_ali == "wrapup":
            acd.caller_hung_up("c1", "normal")
    assert states(acd)["ali"] == state_of_ali
    control.clear()
    bus.clear()
    with pytest.raises(CallboxError, match="dispatcher ali is .*a callback needs them free"):
        callbacks.start("ali", NUMBER)
    assert control.originated() == []
    assert bus.of(ev.CallPlaced) == [] and callbacks.active == {}
    assert states(acd)["ali"] == state_of_ali


def test_unknown_dispatcher_and_bad_numbers_are_refused(callbacks, control):
    with pytest.raises(CallboxError, match="no dispatcher named zoe"):
        callbacks.start("zoe", NUMBER)
    with pytest.raises(ValueError, match="withheld"):
        callbacks.start("ali", "withheld")
    with pytest.raises(ValueError, match="not a phone number"):
        callbacks.start("ali", "call me maybe")
    with pytest.raises(CallboxError, match="no GSM line named gsm9"):
        callbacks.start("ali", NUMBER, line="gsm9")
    assert control.originated() == []


def test_customer_who_does_not_answer_in_time_is_a_failed_callback(bus, control, acd, callbacks):
    callbacks.start("ali", NUMBER)
    a, _ = legs(control)
    bus.publish(ev.LegAnswered(leg_id=a))
    _, b = legs(control)
    bus.advance(29.9)
    assert control.hangups() == []
    bus.advance(0.1)
    assert control.hangups() == [(b, 487), (a, 0)]
    assert ended(bus) == [("failed", "customer did not answer in time", "box")]
    assert states(acd)["ali"] == "wrapup"  # they were on the phone: wrap-up as after a call
    bus.publish(ev.LegEnded(leg_id=b, code=16, reason="box hung up"))
    bus.publish(ev.LegEnded(leg_id=a, code=200, reason="BYE"))
    assert len(bus.of(ev.CallEnded)) == 1


def test_busy_customer_is_a_failed_callback_with_the_cause(bus, control, acd, callbacks):
    callbacks.start("ali", NUMBER)
    a, _ = legs(control)
    bus.publish(ev.LegAnswered(leg_id=a))
    _, b = legs(control)
    bus.publish(ev.LegEnded(leg_id=b, code=17, reason="busy"))
    assert control.hangups() == [(a, 0)]
    assert ended(bus) == [("failed", "customer not reached (17 busy)", "caller")]
    bus.advance(30)
    assert len(control.hangups()) == 1  # the customer timer died with the callback


def test_dispatcher_hanging_up_before_the_customer_answers_abandons(bus, control, acd,
                                                                     callbacks):
    callbacks.start("ali", NUMBER)
    a, _ = legs(control)
    bus.publish(ev.LegAnswered(leg_id=a))
    _, b = legs(control)
    bus.publish(ev.LegRinging(leg_id=b))
    bus.publish(ev.LegEnded(leg_id=a, code=200, reason="BYE"))
    assert control.hangups() == [(b, 487)]
    assert ended(bus) == [("abandoned", "dispatcher hung up before the customer answered",
                           "dispatcher")]
    assert control.bridges() == []


def test_dispatchers_phone_not_answering_fails_and_frees_them_at_once(bus, control, acd,
                                                                      callbacks):
    callbacks.start("ali", NUMBER)
    a, _ = legs(control)
    bus.advance(20)
    assert control.hangups() == [(a, 487)]
    assert ended(bus) == [("failed", "dispatcher's phone did not answer in time", "box")]
    assert len(control.originated()) == 1  # the customer was never called
    assert states(acd)["ali"] == "available"


def test_dispatcher_declining_the_ring_fails_without_calling_the_customer(bus, control, acd,
                                                                          callbacks):
    callbacks.start("ali", NUMBER)
    a, _ = legs(control)
    bus.publish(ev.LegEnded(leg_id=a, code=486, reason="Busy Here"))
    assert ended(bus) == [("failed", "dispatcher's phone did not answer (486 Busy Here)",
                           "dispatcher")]
    assert states(acd)["ali"] == "available"
    assert len(control.originated()) == 1 and control.hangups() == []
    callbacks.start("ali", NUMBER)  # free again: may try at once
    assert states(acd)["ali"] == "ringing"


def test_sip_addresses_are_called_through_the_sip_engine(bus, control, callbacks):
    callbacks.start("ali", "sip:200@127.0.0.1:5090")
    a, _ = legs(control)
    bus.publish(ev.LegAnswered(leg_id=a))
    assert control.originated()[1][1] == "sip:200@127.0.0.1:5090"
    [placed] = bus.of(ev.CallPlaced)
    assert (placed.line, placed.number) == ("sip", "sip:200@127.0.0.1:5090")


def test_a_chosen_line_and_persian_digits(bus, control, callbacks):
    callbacks.start("ali", "۰۹۱۲-۱۲۳-۴۵۶۷", line="gsm2")
    a, _ = legs(control)
    bus.publish(ev.LegAnswered(leg_id=a))
    assert control.originated()[1][1] == "gsm:gsm2/09121234567"
    assert bus.of(ev.CallPlaced)[0].number == E164


def test_a_phone_number_needs_a_gsm_line(bus, control, acd):
    callbacks = make_callbacks(bus, control, acd, lines=())
    with pytest.raises(CallboxError, match="no GSM line"):
        callbacks.start("ali", NUMBER)
    assert states(acd)["ali"] == "available"


def queue_caller(bus, call_id="c1"):
    bus.publish(ev.CallOffered(call_id=call_id, line="gsm2", kind="gsm", caller="+989350000000",
                               caller_raw="09350000000"))
    bus.publish(ev.CallAnswered(call_id=call_id))
    bus.publish(ev.DtmfReceived(call_id=call_id, digit="1", method="rfc2833"))


def test_the_queue_rings_only_dispatchers_not_on_a_callback(bus, control):
    flow = make_flow(bus, control)
    callbacks = make_callbacks(bus, control, flow._acd)
    callbacks.start("ali", NUMBER)
    a, _ = legs(control)
    queue_caller(bus)
    assert [uri for leg, uri in control.originated() if leg != a] == [PHONES["sara"]]


def test_the_queue_leaves_callback_legs_alone_and_offers_the_next_caller_after(bus, control):
    """Through the real call flow (which hands every leg event to the queue too)."""
    acd = make_acd(bus, control, [taxi_queue(), taxi_queue(name="office")],
                   staff=dispatchers("ali"))
    flow = make_flow(bus, control, acd)
    callbacks = make_callbacks(bus, control, acd)
    callbacks.start("ali", NUMBER)
    a, _ = legs(control)
    bus.publish(ev.LegAnswered(leg_id=a))
    _, b = legs(control)
    bus.publish(ev.LegAnswered(leg_id=b))
    assert control.hangups() == [] and control.bridges() == [(a, b)]
    queue_caller(bus)
    assert len(control.originated()) == 2  # nobody free: the caller waits
    assert flow.status()["queues"][0]["waiting"][0]["call_id"] == "c1"
    bus.publish(ev.LegEnded(leg_id=b, code=16, reason="normal"))
    assert states(acd)["ali"] == "wrapup"
    bus.advance(5)  # wrap-up over: ali is offered the waiting caller
    assert leg_to(control, "ali") not in (a, b)
    assert states(acd)["ali"] == "ringing"


def test_a_pause_asked_for_during_a_callback_starts_when_it_ends(bus, control, acd, callbacks):
    _, a, b = answer_both(bus, control, callbacks)
    acd.set_paused("ali", True)
    assert states(acd)["ali"] == "busy"
    bus.publish(ev.LegEnded(leg_id=a, code=200, reason="BYE"))
    assert states(acd)["ali"] == "paused"
    bus.advance(10)
    assert states(acd)["ali"] == "paused"
