"""A GSM caller (simulated Quectel modem on a pty) walks the same IVR and queue to a SIP phone,
with audio both ways between the modem's PCM port and the dispatcher."""

from __future__ import annotations

import struct

import pytest

from appliance.telephony.gsm.sim.audio import TONE_HZ
from harness import (goertzel_share, gsm_line_up, gsm_toml, office_toml, read_wav, tone_wav,
                     wait_for)

pytestmark = [pytest.mark.sip]

PHONE_HZ = 1000


def test_gsm_call_reaches_the_dispatcher_with_audio_both_ways(office, modem, tmp_path):
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                                  rtp_port=office.rtp_port) + gsm_toml(modem))
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "phone.wav", PHONE_HZ, 10), answer_after="1-1")
    wait_for(lambda: gsm_line_up(office), 20, 0.2, "the GSM line to register")
    modem.inject_call("+989121234567")
    wait_for(lambda: modem.call is not None and modem.call.stat == 0, 10, what="the box to answer")
    wait_for(lambda: office.control.status()["in_menu"], 5, what="the caller in the menu")
    modem.press("1")
    wait_for(lambda: any(d["state"] == "busy" for d in office.control.status()["dispatchers"]),
             15, what="the dispatcher to answer")
    modem.audio.received.clear()
    wait_for(lambda: len(modem.audio.received) >= 8000 * 2 * 2, 10, what="2 s of audio at the modem")
    modem.remote_hangup()
    [record] = office.ended_records(1)
    assert record["line"] == "gsm1"
    assert record["caller"] == "+989121234567"
    assert (record["ivr_path"], record["queue"], record["dispatcher"], record["disposition"]) == \
        ("main:1", "taxi", "anna", "answered")
    # what the modem heard: the dispatcher's tone
    pcm = bytes(modem.audio.received)
    samples = list(struct.unpack(f"<{len(pcm) // 2}h", pcm[: len(pcm) // 2 * 2]))
    assert goertzel_share(samples, PHONE_HZ, 8000) > 0.5
    # what the dispatcher heard: the modem's tone
    [call] = wait_for(office.phone_calls, 10, what="the phone's call report")
    heard, rate = read_wav(call["recording"])
    assert goertzel_share(heard[rate:], TONE_HZ, rate) > 0.5
