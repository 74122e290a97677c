"""Item 4 of issue 9: a caller who hangs up while ringing is noticed (no RING within
the ring interval, or the vendor's end indication), and call waiting (+CCWA) shows
the second caller — through pyserial against the simulator."""

import pytest

from appliance.events import CallAnswered, CallHungUp, CallOffered, CallWaiting
from appliance.telephony.gsm.sim.harness import fast_timing, wait_until
from gsm_transcripts import transcript

# Each profile's end indication for a caller who gave up (sim/dialects.py "missed"):
ENDS = [("quectel", "^DSCI: 1,1,6,0,<number>,145,0"), ("simcom", "MISSED_CALL: 11:20AM <number>"),
        ("huawei", "^CEND:1,0,104,16"), ("sim800", "NO CARRIER"), ("generic", "NO CARRIER")]


def test_rings_that_just_stop_end_the_call_as_missed(sim_rig):
    """Regression: with no URC at all the call stayed 'offered' forever."""
    sim, line, log, _ = sim_rig("quectel", timing=fast_timing(ring_gap=0.6))
    script = transcript("ring_stops_silently")
    sim.replay(script)
    sim.play(0)
    offered = log.wait_for(CallOffered)
    hung = log.wait_for(CallHungUp, timeout=3)
    assert hung.call_id == offered.call_id and "ringing" in hung.reason
    wait_until(lambda: line.status()["state"] == "up")  # the line is free again


def test_rings_that_keep_coming_keep_the_call(sim_rig):
    sim, line, log, _ = sim_rig("sim800", ring_every=0.2, timing=fast_timing(ring_gap=0.6))
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered)
    wait_until(lambda: sim.rings_sent >= 6, 3)  # 1.2 s of ringing, twice the ring gap
    assert not log.of(CallHungUp)
    sim.remote_hangup(silent=True)
    assert log.wait_for(CallHungUp, timeout=3).call_id == offered.call_id


@pytest.mark.parametrize("profile,indication", ENDS, ids=[e[0] for e in ENDS])
def test_vendor_end_indication_while_ringing(sim_rig, profile, indication):
    sim, line, log, _ = sim_rig(profile, line_profile="auto")
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered)
    sim.remote_hangup()  # the caller gives up: the dialect's own missed-call lines
    hung = log.wait_for(CallHungUp, timeout=2)  # long before the 7 s ring gap
    assert hung.call_id == offered.call_id


def test_call_waiting_shows_the_second_caller(sim_rig):
    sim, line, log, _ = sim_rig("quectel", ring_every=0.2, timing=fast_timing(ring_gap=0.6))
    assert "AT+CCWA=1,1" in sim.commands
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered)
    line.answer(offered.call_id)
    log.wait_for(CallAnswered)
    sim.inject_waiting("+79161234567")
    waiting = log.wait_for(CallWaiting)
    assert (waiting.call_id, waiting.caller) == (offered.call_id, "+79161234567")
    assert line.status()["waiting"] == "+79161234567"
    sim.waiting_gone()
    log.wait_for(CallWaiting, lambda e: e.caller == "", timeout=3)
    assert line.status()["waiting"] == ""
    assert not log.of(CallHungUp)  # the first call goes on


def test_call_waiting_transcript(sim_rig):
    sim, line, log, _ = sim_rig("simcom")
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered)
    line.answer(offered.call_id)
    log.wait_for(CallAnswered)
    sim.play(transcript("call_waiting_ccwa").unsolicited[0])
    assert log.wait_for(CallWaiting).caller == "+79161234567"
