"""Max wait / max length overflow, callbacks that keep the caller's place, and what a
waiting caller hears (place, expected wait, the callback offer)."""

import pytest

from appliance import events as ev
from appliance.acd.announce import queue_prompt_texts
from appliance.callback import Callbacks
from calllogic_fakes import dispatchers, leg_to, make_acd, states, taxi_queue, wavs


def finish_prompt(acd, control, call_id):
    acd.prompt_finished(call_id, control.last_play(call_id).token)


def test_a_full_queue_sends_the_newcomer_to_the_overflow_queue(bus, control):
    acd = make_acd(bus, control, [taxi_queue(max_length=1, overflow="queue:office", members=["ali"]),
                                  taxi_queue(name="office", members=["sara"])],
                   dispatchers("ali", "sara"))
    acd.logout("ali")
    acd.logout("sara")
    acd.enqueue("c1", "taxi", "")
    acd.enqueue("c2", "taxi", "")
    assert [(e.call_id, e.queue) for e in bus.of(ev.CallQueued)] == [("c1", "taxi"),
                                                                      ("c2", "office")]
    acd.login("sara")
    assert [e.call_id for e in bus.of(ev.DispatcherRinging)] == ["c2"]


def test_waiting_too_long_goes_to_voicemail(bus, control):
    acd = make_acd(bus, control, [taxi_queue(max_wait_s=90, overflow="voicemail")])
    taken = []
    acd.router = lambda call_id, queue: taken.append((call_id, queue)) or True
    acd.logout("ali")
    acd.logout("sara")
    acd.enqueue("c1", "taxi", "")
    bus.advance(89)
    assert taken == []
    bus.advance(1)
    assert taken == [("c1", "taxi")]
    assert acd.waiting == {} and not acd.owns("c1")  # voicemail has the call now


def test_sent_away_when_the_queue_is_full_hears_why_and_is_hung_up(bus, control):
    acd = make_acd(bus, control, [taxi_queue(max_length=1, overflow="hangup")])
    acd.logout("ali")
    acd.logout("sara")
    acd.enqueue("c1", "taxi", "")
    acd.enqueue("c2", "taxi", "")
    assert control.plays_for("c2") == [wavs("queue_full")]
    finish_prompt(acd, control, "c2")
    assert ("c2", 0) in control.hangups()
    acd.caller_hung_up("c2", "BYE")
    ended = bus.of(ev.CallEnded)[-1]
    assert (ended.call_id, ended.disposition) == ("c2", "failed")


def offer_caller(bus, acd, call_id, caller="+989121110000", line="gsm1"):
    bus.publish(ev.CallOffered(call_id=call_id, line=line, kind="gsm", caller=caller,
                               caller_raw=caller))


@pytest.fixture
def office(bus, control):
    acd = make_acd(bus, control, [taxi_queue(callback_key="5", ring_timeout_s=10)],
                   dispatchers("ali", "sara"))
    bus.subscribe(acd.offered, (ev.CallOffered,))
    cbs = Callbacks(acd, control, bus, lambda k: f"/prompts/{k}.wav", lines={"gsm1": None},
                    monotonic=bus.monotonic)
    bus.subscribe(cbs.handle, (ev.LegRinging, ev.LegAnswered, ev.LegEnded))
    acd.callbacks = cbs
    acd.logout("ali")
    acd.logout("sara")
    return acd, cbs


def test_a_callback_keeps_the_callers_place_and_places_both_legs(bus, control, office):
    acd, cbs = office
    offer_caller(bus, acd, "c1", "+989121110001")
    acd.enqueue("c1", "taxi", "+989121110001")
    bus.advance(5)
    offer_caller(bus, acd, "c2", "+989121110002")
    acd.enqueue("c2", "taxi", "+989121110002")
    acd.digit("c1", "5")  # c1 asks to be called back and hangs up
    assert control.last_play("c1").files == wavs("callback_booked")
    finish_prompt(acd, control, "c1")
    acd.caller_hung_up("c1", "BYE")
    assert [(e.call_id, e.disposition) for e in bus.of(ev.CallEnded)] == [("c1", "callback")]
    assert acd.position("c1") == 1 and acd.position("c2") == 2  # still first in line
    acd.login("ali")  # c1's turn: ali's phone rings first (leg A) ...
    placed = bus.of(ev.CallPlaced)
    assert [(p.dispatcher, p.number, p.line) for p in placed] == [("ali", "+989121110001",
                                                                   "gsm1")]
    leg_a = control.originated()[-1][0]
    assert control.originated()[-1][1] == "sip:101@127.0.0.1:5071"
    bus.publish(ev.LegAnswered(leg_id=leg_a))
    leg_b, uri = control.originated()[-1]  # ... then the customer, on the line they came in on
    assert uri == "gsm:gsm1/+989121110001"
    bus.publish(ev.LegAnswered(leg_id=leg_b))
    assert (leg_a, leg_b) in control.bridges()
    assert states(acd)["ali"] == "busy"
    assert "c2" in acd.waiting and "c1" not in acd.waiting


def test_a_callback_whose_dispatcher_does_not_answer_keeps_its_place(bus, control, office):
    acd, cbs = office
    offer_caller(bus, acd, "c1")
    acd.enqueue("c1", "taxi", "+989121110000")
    acd.digit("c1", "5")
    acd.caller_hung_up("c1", "BYE")
    bus.advance(1)
    offer_caller(bus, acd, "c2", "+989121110002")
    acd.enqueue("c2", "taxi", "+989121110002")
    acd.login("ali")
    leg_a = control.originated()[-1][0]
    bus.publish(ev.LegEnded(leg_id=leg_a, code=486, reason="Busy Here"))
    assert acd.position("c1") == 1  # back in line, ahead of c2
    acd.login("sara")
    assert bus.of(ev.CallPlaced)[-1].dispatcher == "sara"


def test_announcements_say_the_place_and_expected_wait(bus, control):
    acd = make_acd(bus, control, [taxi_queue(announce_position=True, announce_every_s=30,
                                             callback_key="5")])
    acd.logout("ali")
    acd.enqueue("c0", "taxi", "")
    acd.enqueue("c1", "taxi", "")
    finish_prompt(acd, control, "c1")  # please hold -> music
    bus.advance(30)
    # second in line, one dispatcher logged in, 2 min per call assumed: about 4 minutes
    assert control.last_play("c1").files == wavs("queue_position_2", "queue_wait_4",
                                                 "callback_offer_5")


def test_every_announced_prompt_has_a_text_in_every_language():
    queues = [taxi_queue(announce_position=True, callback_key="#", max_wait_s=60,
                         overflow="callback")]
    for lang in ("fa", "ru", "en"):
        texts = queue_prompt_texts(lang, queues)
        for key in ("queue_position_1", "queue_position_many", "queue_wait_30",
                    "queue_wait_long", "callback_offer_#", "callback_booked", "queue_full"):
            assert texts[key].strip(), (lang, key)
