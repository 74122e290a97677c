"""Item 3 of issue 9: outbound call progress on every profile, through pyserial
against the simulator (its vendor dialects and replayed transcripts): answered is
seen from the modem's URCs, +COLP, ATD's held OK or AT+CLCC polls — an answered
callback is never hung up as no-answer."""

import time

import pytest

from appliance.events import LegAnswered, LegEnded, LegRinging
from appliance.telephony.gsm.sim.harness import fast_timing, wait_until
from gsm_transcripts import transcript

# profile -> the answer signal its dialect sends (docs/gsm.md "Call progress")
SIGNALS = [("quectel", "^DSCI: 1,0,3"), ("simcom", "VOICE CALL: BEGIN"),
           ("huawei", "^CONN:1,0"), ("sim800", "+COLP:"), ("generic", "OK (ATD held)")]


@pytest.mark.parametrize("profile,signal", SIGNALS, ids=[s[0] for s in SIGNALS])
def test_a_slow_answer_is_an_answer_on_every_profile(sim_rig, profile, signal):
    """Regression: the far end answering after more than the command cap (1 s here,
    60 s in production) used to fail the ATD on modems that hold its OK."""
    sim, line, log, _ = sim_rig(profile, line_profile="auto")
    sim.dial_outcome = ("answer", 1.2)
    line.originate("leg-1", "+79161234567")
    answered = log.wait_for(LegAnswered, timeout=5)
    assert answered.leg_id == "leg-1"
    assert not log.of(LegEnded)
    if profile == "sim800":
        assert "AT+COLP=1" in sim.commands and "AT+MORING=1" in sim.commands
    assert line.media("leg-1") is not None or profile in ("generic", "sim800")


@pytest.mark.parametrize("name", ["atd_ok_held_siemens_mc35", "atd_clcc_poll_generic",
                                  "atd_colp_sim800"])
def test_answer_detected_from_transcripts(sim_rig, name):
    script = transcript(name)
    profile = script.meta["profile"]
    sim, line, log, _ = sim_rig(profile, line_profile="auto")
    sim.dial_outcome = ("ring", 0)  # the simulator's own progress stays out of it
    sim.replay(script)
    line.originate("leg-t", "+79161234567")
    log.wait_for(LegAnswered, lambda e: e.leg_id == "leg-t", timeout=4)
    if name != "atd_ok_held_siemens_mc35":
        assert log.of(LegRinging)
    time.sleep(0.3)
    assert not log.of(LegEnded)  # answered: not hung up afterwards


def test_busy_and_no_answer_as_final_results_of_a_held_atd(sim_rig):
    sim, line, log, _ = sim_rig("generic", line_profile="auto")
    sim.dial_outcome = ("busy", 0.2)
    line.originate("leg-b", "+79161234567")
    assert log.wait_for(LegEnded).code == 17
    sim.dial_outcome = ("no-answer", 0.2)
    line.originate("leg-n", "+79161234567")
    assert log.wait_for(LegEnded, lambda e: e.leg_id == "leg-n").code == 19
    assert not log.of(LegAnswered)


def test_hanging_up_a_leg_aborts_the_held_atd_at_once(sim_rig):
    sim, line, log, _ = sim_rig("sim800", line_profile="auto")
    sim.dial_outcome = ("ring", 0)
    line.originate("leg-x", "+79161234567")
    wait_until(lambda: sim.dial_pending is not None)
    started = time.monotonic()
    line.hangup("leg-x")
    ended = log.wait_for(LegEnded, timeout=2)
    assert (ended.leg_id, ended.code) == ("leg-x", 16)
    assert time.monotonic() - started < 2.5  # not after the dial timeout (5 s here)
    assert sim.call is None and not log.of(LegAnswered)


def test_no_answer_within_the_dial_timeout_is_hung_up(sim_rig):
    sim, line, log, _ = sim_rig("quectel", timing=fast_timing(dial_timeout=0.5))
    sim.dial_outcome = ("ring", 0)
    line.originate("leg-r", "+79161234567")
    log.wait_for(LegRinging)
    ended = log.wait_for(LegEnded, timeout=3)
    assert ended.code == 19 and not log.of(LegAnswered)
