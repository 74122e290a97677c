"""GSM calls through the real pyserial path against the modem simulator, every profile."""

import time

import pytest

from appliance.events import (
    CallAnswered, CallHungUp, CallOffered, DtmfReceived, LegAnswered, LegEnded, LegRinging,
    LineStateChanged,
)
from appliance.telephony.gsm import profiles
from appliance.telephony.gsm.sim.harness import wait_until
from appliance.telephony.ports import FRAME_BYTES

PROFILES = ["quectel", "simcom", "huawei", "sim800"]
SILENCE = bytes(FRAME_BYTES)


@pytest.fixture
def rig(sim_rig):
    """A line that detects its modem's profile itself (``auto``)."""
    def make(profile="quectel", line_profile="auto", **sim_kw):
        return sim_rig(profile, line_profile=line_profile, **sim_kw)[:3]
    return make


def _audio_frame(media, timeout=2.0):
    return wait_until(lambda: (f := media.read_frame()) != SILENCE and f, timeout)


@pytest.mark.parametrize("profile", PROFILES)
def test_inbound_call_audio_dtmf_and_far_end_hangup(rig, profile):
    sim, line, log = rig(profile)
    assert line.status()["profile"] == profile  # "auto" read it from ATI / AT+CGMM
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered)
    assert (offered.line, offered.kind, offered.caller) == (sim.name, "gsm", "+989121234567")
    assert line.media(offered.call_id) is None  # no audio before the call connects
    line.answer(offered.call_id)
    log.wait_for(CallAnswered, lambda e: e.call_id == offered.call_id)
    media = wait_until(lambda: line.media(offered.call_id))
    for cmd in profiles.get(profile).audio_on:
        assert cmd in sim.commands
    assert len(_audio_frame(media)) == FRAME_BYTES  # the far end's tone reaches the box
    for _ in range(10):
        media.write_frame(b"\x34\x12" * (FRAME_BYTES // 2))
    wait_until(lambda: b"\x34\x12" * 160 in bytes(sim.audio.received))  # and back
    sim.press("4#")
    log.wait_for(DtmfReceived, count=2, timeout=3)
    assert [d.digit for d in log.of(DtmfReceived)] == ["4", "#"]
    sim.remote_hangup()
    hung = log.wait_for(CallHungUp)
    assert (hung.call_id, hung.code) == (offered.call_id, 16)
    assert line.media(offered.call_id) is None
    wait_until(lambda: line.status()["state"] == "up")
    assert len(log.of(CallOffered)) == 1


@pytest.mark.parametrize("profile", PROFILES)
def test_outbound_leg_progress_and_far_end_hangup(rig, profile):
    sim, line, log = rig(profile)
    line.originate("leg-1", "+79161234567")
    log.wait_for(LegRinging, lambda e: e.leg_id == "leg-1")
    log.wait_for(LegAnswered, lambda e: e.leg_id == "leg-1")
    assert "ATD+79161234567;" in sim.commands
    assert line.media("leg-1") is not None
    sim.remote_hangup()
    ended = log.wait_for(LegEnded)
    assert (ended.leg_id, ended.code) == ("leg-1", 16)


@pytest.mark.parametrize("profile", ["quectel", "huawei"])
def test_outbound_busy(rig, profile):
    sim, line, log = rig(profile)
    sim.dial_outcome = ("busy", 0.05)
    line.originate("leg-2", "+79161234567")
    ended = log.wait_for(LegEnded)
    assert (ended.code, ended.reason) == (17, "user busy")  # the meaning of cause 17
    assert not log.of(LegAnswered)


def test_second_originate_while_busy_is_refused(rig):
    sim, line, log = rig("quectel")
    sim.dial_outcome = ("ring", 0)
    line.originate("leg-a", "+79160000001")
    log.wait_for(LegRinging)
    line.originate("leg-b", "+79160000002")
    refused = log.wait_for(LegEnded, lambda e: e.leg_id == "leg-b")
    assert refused.reason == "line busy"
    line.hangup("leg-a")
    assert log.wait_for(LegEnded, lambda e: e.leg_id == "leg-a").reason == "box hung up"


def test_ring_and_clip_in_separate_reads_and_repeated_offer_once(rig):
    sim, line, log = rig("quectel", ring_every=0.1)
    sim.write_gap = 0.05  # RING, then +CLIP 50 ms later in another read
    sim.inject_call("+79161234567")
    log.wait_for(CallOffered)
    wait_until(lambda: sim.rings_sent >= 4)  # RING/+CLIP pairs keep coming
    time.sleep(0.1)  # the last pair's +CLIP, 50 ms behind its RING
    assert len(log.of(CallOffered)) == 1


def test_withheld_caller(rig):
    sim, line, log = rig("sim800")
    sim.inject_call("", withheld=True)
    offered = log.wait_for(CallOffered)
    assert (offered.caller, offered.caller_raw) == ("withheld", "")


def test_international_type_without_plus_gets_one(rig):
    sim, line, log = rig("huawei", region_plus=False)
    sim.inject_call("+79161234567")
    offered = log.wait_for(CallOffered)
    assert (offered.caller, offered.caller_raw) == ("+79161234567", "79161234567")


def test_ring_without_caller_id_is_offered_as_withheld_then_rejected(rig):
    sim, line, log = rig("quectel")
    sim.send("RING")  # no +CLIP follows
    offered = log.wait_for(CallOffered, timeout=2)
    assert offered.caller == "withheld"
    line.reject(offered.call_id, 21, "not allowed")
    hung = log.wait_for(CallHungUp)
    assert (hung.code, hung.reason) == (21, "not allowed")
    assert "ATH" in sim.commands


def test_box_hangup_of_an_answered_call(rig):
    sim, line, log = rig("simcom")
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered)
    line.answer(offered.call_id)
    log.wait_for(CallAnswered)
    line.hangup(offered.call_id)
    assert log.wait_for(CallHungUp).reason == "box hung up"
    assert "AT+CHUP" in sim.commands and "AT+CPCMREG=0" in sim.commands
    assert not sim.audio.enabled
    assert sim.call is None


def test_caller_gives_up_before_answer(rig):
    sim, line, log = rig("simcom")
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered)
    sim.remote_hangup()  # MISSED_CALL on SIM7600
    assert log.wait_for(CallHungUp).call_id == offered.call_id


def test_status_reports_the_contract_fields(rig):
    sim, line, _ = rig("quectel")
    status = line.status()
    for key in ("name", "kind", "state", "signal_dbm", "registration", "operator", "sim",
                "balance", "alarm"):
        assert key in status
    assert (status["kind"], status["state"], status["registration"], status["sim"]) == \
        ("gsm", "up", "home", "ready")
    assert status["signal_dbm"] == -73 and status["operator"] == "Callbox Mobile"


def test_registration_and_signal_changes_reach_the_line_state(rig):
    sim, line, log = rig("huawei")
    sim.set_registration(2)  # +CREG: 2 (searching), the URC shape
    log.wait_for(LineStateChanged, lambda e: e.state == "unregistered")
    sim.set_registration(1)
    log.wait_for(LineStateChanged, lambda e: e.state == "up", count=2)
    sim.set_signal(99)  # ^RSSI: 99 — no signal
    log.wait_for(LineStateChanged, lambda e: e.state == "no-signal")
    assert line.status()["signal_dbm"] is None
