"""The queue: a caller waits with music, dispatchers' phones ring, the first to answer
gets the caller. Driven through the Acd's inputs as the call flow drives them."""

import pytest

from appliance import events as ev
from appliance.acd.acd import RETRY_S
from calllogic_fakes import (PHONES, dispatchers, leg_to, legs_to, make_acd, states, taxi_queue,
                             wavs)


@pytest.fixture
def acd(bus, control):
    return make_acd(bus, control)


def test_a_queued_caller_hears_please_hold_then_music_and_announcements(bus, control, acd):
    acd.enqueue("c1", "taxi", "+989121234567")
    queued = bus.of(ev.CallQueued)
    assert [(e.call_id, e.queue, e.caller) for e in queued] == [("c1", "taxi", "+989121234567")]
    assert control.plays_for("c1") == [wavs("please_hold")]
    acd.prompt_finished("c1", control.last_play("c1").token)
    music = control.last_play("c1")
    assert (music.files, music.loop) == (wavs("hold_music"), True)
    bus.advance(30)
    assert control.last_play("c1").files == wavs("still_waiting")


def test_ring_all_rings_every_free_dispatcher_with_the_callers_number(bus, control, acd):
    acd.enqueue("c1", "taxi", "+989121234567")
    placed = [c for c in control.commands if c[0] == "originate"]
    assert sorted((uri, caller_id, for_call) for _, _, uri, caller_id, for_call in placed) == [
        (PHONES["ali"], "+989121234567", "c1"), (PHONES["sara"], "+989121234567", "c1")]
    ringing = bus.of(ev.DispatcherRinging)
    assert {(e.call_id, e.dispatcher, e.leg_id) for e in ringing} == {
        ("c1", "ali", leg_to(control, "ali")), ("c1", "sara", leg_to(control, "sara"))}
    assert states(acd) == {"ali": "ringing", "sara": "ringing"}
    assert len(set(legs_to(control, "ali") + legs_to(control, "sara"))) == 2  # distinct legs


def test_first_answer_wins_and_the_other_phone_stops_ringing(bus, control, acd):
    acd.enqueue("c1", "taxi", "+989121234567")
    bus.advance(7.5)
    ali, sara = leg_to(control, "ali"), leg_to(control, "sara")
    acd.leg_answered(sara)
    assert control.hangups() == [(ali, 487)]
    assert control.bridges() == [("c1", sara)]
    bridged = bus.of(ev.CallBridged)
    assert [(e.call_id, e.dispatcher, e.queue, e.wait_s) for e in bridged] == [
        ("c1", "sara", "taxi", 7.5)]
    assert states(acd) == {"ali": "available", "sara": "busy"}
    assert bus.of(ev.QueueChanged)[-1].waiting == 0
    bus.advance(60)  # no announcement over the conversation, no ring timeout
    assert control.last_play("c1").files == wavs("please_hold")
    assert control.hangups() == [(ali, 487)]


def test_a_late_answer_from_a_cancelled_phone_is_hung_up(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    ali, sara = leg_to(control, "ali"), leg_to(control, "sara")
    acd.leg_answered(ali)
    acd.leg_answered(sara)  # it answered before our CANCEL reached it
    assert control.bridges() == [("c1", ali)]
    assert control.hangups() == [(sara, 487), (sara, 0)]
    assert len(bus.of(ev.CallBridged)) == 1
    assert states(acd) == {"ali": "busy", "sara": "available"}


def test_the_ringing_phones_end_after_the_cancel_without_effect(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    ali, sara = leg_to(control, "ali"), leg_to(control, "sara")
    acd.leg_answered(ali)
    acd.leg_ended(sara, 487, "Request Terminated")
    assert bus.of(ev.DispatcherNoAnswer) == []
    assert states(acd) == {"ali": "busy", "sara": "available"}
    assert len(control.originated()) == 2


def test_ring_timeout_hangs_up_and_reports_no_answer(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="longest-idle", ring_timeout_s=15)])
    acd.enqueue("c1", "taxi", "")
    ali = leg_to(control, "ali")
    bus.advance(14.9)
    assert control.hangups() == []
    bus.advance(0.1)
    assert control.hangups() == [(ali, 487)]
    no_answer = bus.of(ev.DispatcherNoAnswer)
    assert [(e.call_id, e.dispatcher, e.leg_id, e.reason) for e in no_answer] == [
        ("c1", "ali", ali, "no answer in time")]
    # ... and the next dispatcher rings at once
    assert legs_to(control, "sara") and states(acd) == {"ali": "available", "sara": "ringing"}


def test_longest_idle_rings_only_who_has_been_free_longest(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="longest-idle", wrapup_s=5)])
    acd.enqueue("c1", "taxi", "")  # both free since the start: ali by name
    acd.leg_answered(leg_to(control, "ali"))
    assert legs_to(control, "sara") == []
    bus.advance(10)
    acd.caller_hung_up("c1", "BYE")
    bus.advance(10)  # ali free again at t=15; sara free since t=0
    acd.enqueue("c2", "taxi", "")
    assert len(legs_to(control, "ali")) == 1 and len(legs_to(control, "sara")) == 1
    acd.leg_answered(leg_to(control, "sara"))
    bus.advance(5)
    acd.caller_hung_up("c2", "BYE")
    bus.advance(10)  # now ali (free since 15) has waited longer than sara (free since 30)
    acd.enqueue("c3", "taxi", "")
    assert len(legs_to(control, "ali")) == 2 and len(legs_to(control, "sara")) == 1


@pytest.mark.parametrize("code, reason", [(486, "Busy Here"), (603, "Decline"),
                                          (503, "no call slot free"), (408, "Request Timeout")])
def test_a_refusing_phone_is_skipped_for_the_next_one(bus, control, code, reason):
    acd = make_acd(bus, control, [taxi_queue(strategy="longest-idle")])
    acd.enqueue("c1", "taxi", "")
    ali = leg_to(control, "ali")
    acd.leg_ended(ali, code, reason)
    no_answer = bus.of(ev.DispatcherNoAnswer)
    assert [(e.dispatcher, e.reason) for e in no_answer] == [("ali", f"{code} {reason}")]
    assert states(acd) == {"ali": "available", "sara": "ringing"}
    assert control.hangups() == []  # the phone ended its leg itself


def test_when_everyone_refused_the_queue_waits_then_rings_again(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    acd.leg_ended(leg_to(control, "ali"), 486, "Busy Here")
    assert len(control.originated()) == 2  # sara still rings: ali is not rung again yet
    bus.advance(15)  # sara's ring timeout
    assert len(control.originated()) == 2
    assert states(acd) == {"ali": "available", "sara": "available"}
    bus.advance(RETRY_S - 0.01)
    assert len(control.originated()) == 2
    bus.advance(0.01)
    assert len(legs_to(control, "ali")) == 2 and len(legs_to(control, "sara")) == 2
    assert states(acd) == {"ali": "ringing", "sara": "ringing"}


def test_no_slot_for_a_leg_is_a_refusal_not_a_tight_loop(bus, control):
    acd = make_acd(bus, control, staff=dispatchers("ali"))
    acd.enqueue("c1", "taxi", "")
    for attempt in range(1, 6):  # the engine refuses every leg at once: no slot free
        assert len(control.originated()) == attempt
        acd.leg_ended(leg_to(control, "ali"), 503, "no call slot free")
        assert len(control.originated()) == attempt  # not again at once
        assert states(acd) == {"ali": "available"}
        bus.advance(RETRY_S)
    assert len(bus.of(ev.DispatcherNoAnswer)) == 5
    assert acd.owns("c1")  # still waiting, still with music


def test_caller_hangs_up_while_phones_ring(bus, control, acd):
    acd.enqueue("c1", "taxi", "+989121234567")
    acd.prompt_finished("c1", control.last_play("c1").token)
    ali, sara = leg_to(control, "ali"), leg_to(control, "sara")
    bus.advance(9)
    acd.caller_hung_up("c1", "BYE")
    ended = bus.of(ev.CallEnded)
    assert [(e.call_id, e.disposition, e.ended_by) for e in ended] == [
        ("c1", "abandoned", "caller")]
    assert "while waiting" in ended[0].hangup_cause
    assert sorted(control.hangups()) == sorted([(ali, 487), (sara, 487)])
    assert states(acd) == {"ali": "available", "sara": "available"}
    assert not acd.owns("c1")
    plays = len(control.plays)
    bus.advance(120)  # no announcements, no ring timeouts, no retries for a gone caller
    assert len(control.plays) == plays and len(control.originated()) == 2
    assert bus.pending_timers() == 0


def test_caller_hangs_up_while_nobody_is_free(bus, control):
    acd = make_acd(bus, control, staff=[])
    acd.enqueue("c1", "taxi", "")
    assert control.originated() == []
    acd.caller_hung_up("c1", "BYE")
    assert [e.disposition for e in bus.of(ev.CallEnded)] == ["abandoned"]
    assert bus.of(ev.QueueChanged)[-1].waiting == 0


def test_the_oldest_caller_is_offered_first(bus, control):
    acd = make_acd(bus, control, staff=dispatchers("ali"))
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    bus.advance(1)
    acd.enqueue("c2", "taxi", "")
    bus.advance(1)
    acd.enqueue("c3", "taxi", "")
    acd.caller_hung_up("c1", "BYE")
    bus.advance(5)  # ali's wrap-up ends
    offers = bus.of(ev.DispatcherRinging)
    assert [e.call_id for e in offers] == ["c1", "c2"]


def test_queue_members_restrict_who_rings(bus, control):
    acd = make_acd(bus, control, [taxi_queue(), taxi_queue(name="office", members=["sara"])],
                   dispatchers("ali", "sara", "reza"))
    acd.enqueue("c1", "office", "")
    assert [e.dispatcher for e in bus.of(ev.DispatcherRinging)] == ["sara"]
    acd.enqueue("c2", "taxi", "")
    assert sorted(e.dispatcher for e in bus.of(ev.DispatcherRinging)) == ["ali", "reza", "sara"]
    assert {e.call_id for e in bus.of(ev.DispatcherRinging) if e.dispatcher != "sara"} == {"c2"}


def test_a_second_caller_rings_whoever_is_still_free(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="longest-idle")])
    acd.enqueue("c1", "taxi", "")
    acd.enqueue("c2", "taxi", "")
    ringing = [(e.call_id, e.dispatcher) for e in bus.of(ev.DispatcherRinging)]
    assert ringing == [("c1", "ali"), ("c2", "sara")]
