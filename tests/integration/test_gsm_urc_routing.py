"""Items 2 and 5 of issue 9, through pyserial against the simulator replaying real
transcripts: URCs right behind a final result are unsolicited; registration from
every +CREG/+CGREG/+CEREG form, query replies told apart from URCs."""

import pytest

from appliance.events import (
    CallAnswered, CallHungUp, CallOffered, LegAnswered, LegEnded, SmsReceived,
)
from appliance.telephony.gsm.sim.harness import wait_until
from appliance.telephony.gsm.sim.transcript import Exchange, Transcript
from gsm_transcripts import table, transcript


def _pinged(sim, after):
    """The AT ping the line sends every 0.2 s has used the scripted reply."""
    wait_until(lambda: not sim.script and sim.commands.count("AT") > after, 3)


def test_cmti_behind_the_ok_of_a_ping_is_read_stored_and_deleted(sim_rig):
    sim, line, log, store = sim_rig("quectel")
    sim.sms_store[1] = _pdu("+79161234567", "behind the OK")
    before = sim.commands.count("AT")
    sim.replay(transcript("urc_behind_ok_cmti"))
    _pinged(sim, before)
    assert log.wait_for(SmsReceived).text == "behind the OK"
    wait_until(lambda: not sim.sms_store)
    assert line.status()["state"] == "up"  # the ping itself succeeded


def test_ring_and_clip_behind_the_ok_offer_the_call(sim_rig):
    sim, line, log, _ = sim_rig("huawei")
    sim.replay(transcript("urc_behind_ok_ring"))
    offered = log.wait_for(CallOffered, timeout=3)
    assert offered.caller == "+1234567890"


def test_no_carrier_behind_the_ok_of_ata_ends_an_answered_call(sim_rig):
    """Regression: the NO CARRIER used to overwrite ATA's OK ("answer failed")."""
    sim, line, log, _ = sim_rig("sim800", ring_every=0)
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered)
    sim.replay(transcript("no_carrier_behind_ata_ok"))
    line.answer(offered.call_id)
    log.wait_for(CallAnswered, lambda e: e.call_id == offered.call_id)
    hung = log.wait_for(CallHungUp)
    assert hung.code == 16 and hung.reason == "normal call clearing"


def test_a_creg_urc_inside_the_query_is_a_urc_and_the_reply_wins(sim_rig):
    sim, line, log, _ = sim_rig("sim800")
    sim.set_registration(2)
    wait_until(lambda: line.status()["registration"] == "searching")
    sim.replay(transcript("creg_urc_during_query_sim800c"))
    line.refresh_health()
    wait_until(lambda: not any(x.command == "AT+CREG?" for x in sim.script))
    wait_until(lambda: line.status()["registration"] == "home")


@pytest.mark.parametrize("case", table("registration_forms", "urc"))
def test_unsolicited_registration_forms(sim_rig, case):
    sim, line, log, _ = sim_rig("quectel")
    assert line.status()["registration"] == "home"
    if case.get("before"):
        sim.play([case["before"]])
    sim.play([case["line"]])
    wait_until(lambda: line.status()["registration"] == case["registration"], 2)


@pytest.mark.parametrize("case", table("registration_forms", "query"))
def test_query_reply_forms_read_their_leading_n(sim_rig, case):
    sim, line, log, _ = sim_rig("sim800")  # no LTE: AT+CEREG? fails, CREG decides
    sim.set_registration(0)
    wait_until(lambda: line.status()["registration"] == "unregistered")
    sim.replay(Transcript("query", {"source": case["source"]},
                          [Exchange("AT+CREG?", [case["line"], "", "OK"])], []))
    line.refresh_health()
    wait_until(lambda: line.status()["registration"] == case["registration"], 2)


def _pdu(number, text):
    from datetime import datetime, timezone

    from appliance.telephony.gsm import pdu
    return pdu.encode_deliver(number, text, datetime.now(timezone.utc))[0]


@pytest.mark.parametrize("case", table("registration_forms", "signal"))
def test_unsolicited_signal_forms(sim_rig, case):
    sim, line, log, _ = sim_rig(case["profile"])
    sim.set_signal(5)
    line.refresh_health()
    wait_until(lambda: line.status()["signal_dbm"] == -103)  # polled: AT+CSQ → 5
    sim.play([case["line"]])
    want = None if case["dbm"] == "none" else case["dbm"]
    wait_until(lambda: line.status()["signal_dbm"] == want, 2)


def test_answer_seen_by_clcc_polls_when_the_call_urcs_are_refused(sim_rig):
    """Regression: a Quectel whose AT^DSCI=1 and AT+COLP=1 fail gave no answer signal,
    and the answered leg was hung up as no-answer at the dial timeout."""
    refused = Transcript("refused", {"source": "test condition: the call URCs refused"},
                         [Exchange("AT^DSCI=1", ["ERROR"]), Exchange("AT+COLP=1", ["ERROR"])],
                         [])
    sim, line, log, _ = sim_rig("quectel", before_start=lambda s: s.replay(refused))
    assert not sim.status_urcs and not sim.colp
    sim.dial_outcome = ("answer", 0.3)
    line.originate("leg-q", "+79161234567")
    assert log.wait_for(LegAnswered, timeout=3).leg_id == "leg-q"
    assert "AT+CLCC" in sim.commands and not log.of(LegEnded)
