"""Item 6 of issue 9: start-up on awkward modems, through pyserial against the
simulator replaying real transcripts: +CPIN: without a final OK, NOT READY while the
SIM starts, boot notices inside a reply, numeric and verbose SIM errors."""

import pytest

from appliance.events import LineStateChanged
from appliance.telephony.gsm.sim.transcript import Exchange
from gsm_transcripts import transcript


def _start(sim_rig, name, profile="quectel", **kw):
    script = transcript(name)
    return sim_rig(profile, line_profile="auto", before_start=lambda sim: sim.replay(script),
                   **kw)


def test_cpin_without_final_ok_uses_the_partial_reply(sim_rig):
    sim, line, log, _ = _start(sim_rig, "cpin_without_ok_wavecom")
    status = line.status()
    assert (status["state"], status["sim"], status["profile"]) == ("up", "ready", "generic")


def test_not_ready_while_the_sim_starts_is_asked_again(sim_rig):
    sim, line, log, _ = _start(sim_rig, "cpin_not_ready_then_ready")
    assert line.status()["sim"] == "ready"
    assert sim.commands.count("AT+CPIN?") >= 2


def test_boot_notices_inside_the_reply_are_not_the_answer(sim_rig):
    """Regression: the first +CPIN line (a stale boot notice) was read as the state."""
    sim, line, log, _ = _start(sim_rig, "cpin_boot_notice_before_reply", pin="1234")
    assert line.status()["sim"] == "ready"
    assert not any(c.startswith('AT+CPIN="') for c in sim.commands)  # no PIN spent


@pytest.mark.parametrize("reply", ["+CME ERROR: SIM failure", "+CME ERROR: 10",
                                   "+CME ERROR: SIM not inserted", "+CME ERROR: 13",
                                   "+CPIN: NOT INSERTED", "ERROR"])
def test_numeric_and_verbose_sim_errors_mean_no_sim(sim_rig, reply):
    script = transcript("cpin_cme_errors")
    script.exchanges = [Exchange("AT+CPIN?", [reply])] * 6
    sim, line, log, _ = sim_rig("quectel", wait_up=False,
                                before_start=lambda sim: sim.replay(script))
    log.wait_for(LineStateChanged, lambda e: e.state == "no-sim", timeout=3)
    assert line.status()["sim"] == "absent"
