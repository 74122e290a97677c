"""What the lamps and the web see of the queue: QueueChanged (waiting, over target)
and the status() the web page and /api/status are built from."""

import re

import pytest

from appliance import events as ev
from calllogic_fakes import dispatchers, leg_to, make_acd, taxi_queue


@pytest.fixture
def acd(bus, control):
    return make_acd(bus, control, [taxi_queue(target_wait_s=60), taxi_queue(name="office")],
                    dispatchers("ali", "sara"))


def changes(bus, queue="taxi"):
    return [(e.waiting, e.over_target) for e in bus.of(ev.QueueChanged) if e.queue == queue]


def test_waiting_count_follows_callers_in_and_out(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    acd.enqueue("c2", "taxi", "")
    acd.caller_hung_up("c2", "BYE")
    acd.leg_answered(leg_to(control, "ali"))
    assert changes(bus) == [(1, False), (2, False), (1, False), (0, False)]
    assert changes(bus, "office") == []


def test_over_target_flips_once_a_caller_waits_longer_than_the_target(bus, control, acd):
    acd.set_paused("ali", True)
    acd.set_paused("sara", True)
    acd.enqueue("c1", "taxi", "")
    bus.advance(60)
    assert changes(bus) == [(1, False)]
    bus.advance(1)  # checked once a second: noticed within a second
    assert changes(bus) == [(1, False), (1, True)]
    assert bus.of(ev.QueueChanged)[-1].longest_wait_s == pytest.approx(61, abs=1)
    bus.advance(120)  # no repeats while it stays over target
    assert changes(bus) == [(1, False), (1, True)]
    acd.caller_hung_up("c1", "BYE")
    assert changes(bus) == [(1, False), (1, True), (0, False)]


def test_a_new_caller_joins_a_queue_already_over_target(bus, control, acd):
    acd.set_paused("ali", True)
    acd.set_paused("sara", True)
    acd.enqueue("c1", "taxi", "")
    bus.advance(70)
    acd.enqueue("c2", "taxi", "")
    last = bus.of(ev.QueueChanged)[-1]
    assert (last.waiting, last.over_target, last.longest_wait_s) == (2, True, 70.0)
    acd.caller_hung_up("c1", "BYE")  # the one over target leaves: back under
    assert changes(bus)[-1] == (1, False)


def test_the_queue_check_stops_when_nobody_waits(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    bus.advance(2)
    assert bus.pending_timers() == 0  # no ring timers, no announcements, no queue check


def test_the_once_a_second_check_does_not_multiply(bus, control, acd):
    """Each caller passing the target must not add another 1 Hz timer on the bus worker."""
    acd.set_paused("ali", True)
    acd.set_paused("sara", True)
    acd.enqueue("c0", "office", "")  # keeps someone waiting all along (no music timers:
    for n in range(1, 6):  # its "please hold" never ends here)
        acd.enqueue(f"c{n}", "taxi", "")
        bus.advance(61)  # passes the target ...
        acd.caller_hung_up(f"c{n}", "BYE")  # ... and gives up
    assert bus.pending_timers() == 1  # the one queue check


def test_status_lists_waiting_callers_oldest_first_with_who_rings(bus, control, acd):
    acd.set_paused("sara", True)
    acd.enqueue("c1", "taxi", "+989121234567")
    bus.advance(2.34)
    acd.enqueue("c2", "taxi", "+79161234567")
    bus.advance(3)
    status = acd.status()
    taxi = status["queues"][0]
    assert [q["name"] for q in status["queues"]] == ["taxi", "office"]
    assert status["queues"][1]["waiting"] == []
    assert [(w["caller"], w["call_id"], w["wait_s"], w["ringing"]) for w in taxi["waiting"]] == [
        ("+989121234567", "c1", 5.3, ["ali"]), ("+79161234567", "c2", 3.0, [])]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", w["since"])
               for w in taxi["waiting"])


def test_status_lists_dispatchers_with_state_and_call(bus, control, acd):
    acd.set_paused("sara", True)
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    bus.advance(30)
    common = {"calls_answered": 0, "talk_s": 0.0, "pause_pending": False,
              "logout_pending": False, "auto_paused": False, "queues": ["office", "taxi"],
              "missed_in_a_row": 0}
    assert acd.status()["dispatchers"] == [
        {"name": "ali", "extension": "101", "state": "busy", "on_call": "c1",
         "pause_reason": "", **common},
        {"name": "sara", "extension": "102", "state": "paused", "on_call": None,
         "pause_reason": "", **common}]
    acd.caller_hung_up("c1", "BYE")
    ali = acd.status()["dispatchers"][0]
    assert (ali["state"], ali["calls_answered"], ali["talk_s"], ali["on_call"]) == (
        "wrapup", 1, 30.0, None)
