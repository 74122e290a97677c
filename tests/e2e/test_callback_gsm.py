"""Click-to-call through a GSM modem: the core rings the dispatcher's SIP phone, then dials
the customer on a simulated Quectel modem (pty), bridges them with audio both ways, and
writes one outbound call record."""

from __future__ import annotations

import struct

import pytest

from appliance.telephony.gsm.sim.audio import TONE_HZ
from harness import (goertzel_share, gsm_line_up, gsm_toml, office_toml, read_wav, tone_wav,
                     wait_for)

pytestmark = [pytest.mark.sip]

PHONE_HZ = 1000
CUSTOMER = "09121234567"


@pytest.fixture
def modem(modem):
    modem.dial_outcome = ("answer", 1.0)  # the customer's phone rings a second, then answers
    return modem


def _state(office, name: str) -> str:
    return {d["name"]: d["state"] for d in office.control.status()["dispatchers"]}[name]


def test_callback_rings_the_dispatcher_then_the_customer_with_audio_both_ways(office, modem,
                                                                              tmp_path):
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                                  rtp_port=office.rtp_port) + gsm_toml(modem))
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "phone.wav", PHONE_HZ, 15), answer_after="1-1")
    wait_for(lambda: gsm_line_up(office), 20, 0.2, "the GSM line to come up")

    result = office.control.action("call_back", dispatcher="anna", number=CUSTOMER)
    assert result["call_id"]
    assert _state(office, "anna") == "ringing"
    assert not any(c.startswith("ATD") for c in modem.commands)  # the dispatcher answers first
    wait_for(lambda: _state(office, "anna") == "busy", 10, what="the dispatcher to answer")
    wait_for(lambda: f"ATD{CUSTOMER};" in modem.commands, 10, what="the modem to dial")
    wait_for(lambda: modem.call is not None and modem.call.stat == 0, 10,
             what="the customer to answer")

    modem.audio.received.clear()
    wait_for(lambda: len(modem.audio.received) >= 8000 * 2 * 2, 10,
             what="2 s of audio at the modem")
    modem.remote_hangup()  # the customer hangs up
    [record] = office.ended_records(1)
    assert len(office.records()) == 1
    assert (record["call_id"], record["direction"], record["line"], record["caller"],
            record["callee"], record["dispatcher"], record["disposition"]) == (
        result["call_id"], "out", "gsm1", "gsm1", "+989121234567", "anna", "callback")
    assert record["answered_at"] and record["ended_at"] > record["answered_at"]
    assert record["hangup_cause"] == "customer hung up"
    # what the customer heard: the dispatcher's tone
    pcm = bytes(modem.audio.received)
    samples = list(struct.unpack(f"<{len(pcm) // 2}h", pcm[: len(pcm) // 2 * 2]))
    assert goertzel_share(samples, PHONE_HZ, 8000) > 0.5
    # what the dispatcher heard: "connecting" while the customer's phone rang, then the tone
    [call] = wait_for(office.phone_calls, 10, what="the phone's call report")
    assert call["answered"] is True
    heard, rate = read_wav(call["recording"])
    assert goertzel_share(heard[-2 * rate:], TONE_HZ, rate) > 0.5
    assert goertzel_share(heard[:rate], TONE_HZ, rate) < 0.1  # no customer before they answered
    wait_for(lambda: _state(office, "anna") == "available", 5, what="the wrap-up to end")
