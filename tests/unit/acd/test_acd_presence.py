"""Dispatcher states people change: log in/out, pause with a reason, auto-pause."""

import pytest

from appliance import events as ev
from appliance.config.model import AcdConfig
from appliance.errors import CallboxError
from calllogic_fakes import dispatchers, leg_to, make_acd, states, taxi_queue
from calllogic_fakes import Acd, prompt


@pytest.fixture
def acd(bus, control):
    return Acd([taxi_queue(ring_timeout_s=10, wrapup_s=5)], dispatchers("ali", "sara"), control,
               prompt, bus, bus.monotonic, settings=AcdConfig(pause_reasons=["lunch", "break"],
                                                              auto_pause_after=2))


def test_a_logged_out_dispatcher_is_never_rung_and_shows_offline(bus, control, acd):
    assert acd.logout("ali") == "offline"
    acd.enqueue("c1", "taxi", "")
    assert [e.dispatcher for e in bus.of(ev.DispatcherRinging)] == ["sara"]
    assert acd.status()["dispatchers"][0]["state"] == "offline"
    with pytest.raises(CallboxError, match="offline"):
        acd.set_paused("ali", True)


def test_log_in_offers_a_waiting_caller_at_once(bus, control, acd):
    acd.logout("ali")
    acd.logout("sara")
    acd.enqueue("c1", "taxi", "")
    assert control.originated() == []
    assert acd.login("ali") == "ringing"
    assert [e.dispatcher for e in bus.of(ev.DispatcherRinging)] == ["ali"]


def test_log_out_during_a_call_takes_effect_after_it(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    assert acd.logout("ali") == "busy"
    acd.caller_hung_up("c1", "BYE")
    assert states(acd)["ali"] == "offline"
    bus.advance(30)
    assert states(acd)["ali"] == "offline"  # the wrap-up timer does not log them back in


def test_pause_needs_a_configured_reason_and_reports_it(bus, control, acd):
    with pytest.raises(CallboxError, match="unknown pause reason"):
        acd.set_paused("ali", True, "nap")
    assert states(acd)["ali"] == "available"  # nothing changed
    acd.set_paused("ali", True, "lunch")
    change = bus.of(ev.DispatcherStateChanged)[-1]
    assert (change.dispatcher, change.state, change.reason) == ("ali", "paused", "lunch")
    assert acd.status()["dispatchers"][0]["pause_reason"] == "lunch"
    acd.set_paused("ali", False)
    assert acd.status()["dispatchers"][0]["pause_reason"] == ""


def test_offers_that_ring_out_in_a_row_pause_the_dispatcher(bus, control, acd):
    acd.logout("sara")
    acd.enqueue("c1", "taxi", "")
    bus.advance(10)  # ali lets it ring out once
    assert states(acd)["ali"] in ("available", "ringing")
    bus.advance(12)  # rung again after the retry pause, rings out again
    assert states(acd)["ali"] == "paused"
    last = [e for e in bus.of(ev.DispatcherStateChanged) if e.dispatcher == "ali"][-1]
    assert (last.state, last.reason) == ("paused", "auto")
    assert acd.status()["dispatchers"][0]["auto_paused"] is True
    rings = len(bus.of(ev.DispatcherRinging))
    bus.advance(60)
    assert len(bus.of(ev.DispatcherRinging)) == rings  # not rung while auto-paused
    acd.set_paused("ali", False)
    assert states(acd)["ali"] == "ringing"


def test_an_answer_resets_the_unanswered_count(bus, control, acd):
    acd.logout("sara")
    acd.enqueue("c1", "taxi", "")
    bus.advance(10)
    assert acd.agents["ali"].misses == 1
    bus.advance(2)
    acd.leg_answered(leg_to(control, "ali"))
    assert acd.agents["ali"].misses == 0


def test_losing_a_ring_all_race_is_not_a_miss(bus, control, acd):
    acd.enqueue("c1", "taxi", "")
    acd.leg_answered(leg_to(control, "ali"))
    assert acd.agents["sara"].misses == 0
