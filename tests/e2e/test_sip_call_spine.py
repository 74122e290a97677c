"""A SIP call walks IVR → queue → dispatcher through the real box (SIPp + pjsua2 phones)."""

from __future__ import annotations

import pytest

from harness import (PCAPS, goertzel_share, lamp_phases, office_toml, read_wav, rms, sipp,
                     tone_wav, wait_for)

pytestmark = [pytest.mark.sip]

ANNA_LAMP = 17


def _start(office, dispatchers=None, **toml):
    dispatchers = dispatchers or [("anna", "101", office.phone_ports[0], ANNA_LAMP)]
    office.start_core(office_toml(office.sip_port, dispatchers, rtp_port=office.rtp_port, **toml))


def test_taxi_call_is_answered_bridged_logged_and_lit(office, tmp_path):
    _start(office)
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "tone.wav", 1000), answer_after="2-2")
    # The caller echoes every RTP packet it gets, so the dispatcher's own 1 kHz tone
    # only comes back if audio flows box→caller and caller→box→dispatcher.
    result, stats = sipp(office, "caller.xml", echo=True,
                         template={"greet_ms": 2500, "talk_ms": 5000, "voice": ""},
                         keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    [record] = office.ended_records(1)
    assert record["direction"] == "in"
    assert record["caller"] == "+989121234567" and record["caller_raw"] == "09121234567"
    assert record["ivr_path"] == "main:1"
    assert record["queue"] == "taxi"
    assert record["dispatcher"] == "anna"
    assert record["disposition"] == "answered"
    assert record["hangup_cause"] == "caller hung up"
    assert 1.5 <= record["wait_s"] <= 4.0  # the phone answers 2 s after it starts ringing
    assert record["started_at"] < record["answered_at"] < record["ended_at"]
    [phone_call] = wait_for(office.phone_calls, 5, what="the phone's call report")
    assert phone_call["answered"] and phone_call["rx_packets"] > 100
    heard, rate = read_wav(phone_call["recording"])
    assert goertzel_share(heard, 1000, rate) > 0.5, "the dispatcher's tone did not come back"
    # free → ringing (blink) → busy (on, through wrap-up) → free again
    history = wait_for(lambda: (h := office.pins(ANNA_LAMP)[ANNA_LAMP]) and
                       lamp_phases(h)[-1] == "off" and len(lamp_phases(h)) > 2 and h,
                       5, what="the lamp to go free again")
    assert lamp_phases(history) == ["off", "blink", "on", "off"]


def test_sip_info_digit_and_caller_voice_reach_the_dispatcher(office, tmp_path):
    _start(office)
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "quiet.wav", 50), answer_after="1-1")
    result, _ = sipp(office, "caller_info.xml", template={"greet_ms": 1500, "talk_ms": 6000,
                                                          "digit": "2"})
    assert result.returncode == 0, result.stdout[-2000:]
    [record] = office.ended_records(1)
    assert (record["ivr_path"], record["queue"], record["disposition"]) == \
        ("main:2", "office", "answered")
    [phone_call] = wait_for(office.phone_calls, 5, what="the phone's call report")
    heard, _ = read_wav(phone_call["recording"])
    assert rms(heard) > 0.02, "the caller's voice (g711a.pcap) did not reach the dispatcher"


def test_caller_who_hangs_up_in_the_queue_is_abandoned(office):
    _start(office)
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]},mode=noanswer"])
    result, _ = sipp(office, "caller.xml", template={"greet_ms": 1000, "talk_ms": 3000},
                     keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    [record] = office.ended_records(1)
    assert record["disposition"] == "abandoned"
    assert record["queue"] == "taxi" and record["dispatcher"] is None
    assert record["answered_at"] is None
    assert 2.5 <= record["wait_s"] <= 4.5
    status = office.control.status()
    assert status["queues"][0]["waiting"] == []
    assert {d["name"]: d["state"] for d in status["dispatchers"]} == {"anna": "available"}


def test_invalid_digit_then_silence_goes_to_the_default_queue(office):
    _start(office)
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"])
    result, _ = sipp(office, "caller.xml", template={"greet_ms": 1000, "talk_ms": 16000},
                     keys={"dtmf_pcap": PCAPS / "dtmf_2833_9.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    [record] = office.ended_records(1)
    # 9 is not an option (retry 1 of 1), then no digit at all: the menu's default
    assert record["ivr_path"] == "main:9,main:timeout"
    assert record["queue"] == "office"
    assert record["dispatcher"] == "anna" and record["disposition"] == "answered"


def test_unanswered_dispatcher_is_skipped_for_the_next(office):
    _start(office, dispatchers=[("anna", "101", office.phone_ports[0], 17),
                                ("boris", "102", office.phone_ports[1], 23)],
           queue_opts='strategy = "longest-idle"\nring_timeout_s = 2.0\nwrapup_s = 1.0')
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]},mode=noanswer",
                         f"102@127.0.0.1:{office.phone_ports[1]}"])
    result, _ = sipp(office, "caller.xml", template={"greet_ms": 1000, "talk_ms": 9000},
                     keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    [record] = office.ended_records(1)
    assert record["disposition"] == "answered"
    assert record["dispatcher"] in {"anna", "boris"}
    calls = wait_for(lambda: len(c := office.phone_calls()) >= 2 and c, 10,
                     what="both phones' call reports")
    rang = {c["phone"]: c["answered"] for c in calls}
    assert record["dispatcher"] == "boris" and rang == {"101": False, "102": True}


def test_dispatcher_hangs_up_first(office):
    _start(office)
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"], answer_after="1-1",
                        hangup_after="2-2")
    result, _ = sipp(office, "caller.xml", template={"greet_ms": 1000, "talk_ms": 20000},
                     keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]  # the caller got the box's BYE
    [record] = office.ended_records(1)
    assert record["disposition"] == "answered"
    assert record["hangup_cause"] == "dispatcher hung up"


@pytest.mark.parametrize("payload_type", [96, 101, 127])
def test_rfc2833_with_the_payload_type_the_caller_offers(office, payload_type):
    from bench.rtp_probe import RtpProbe
    from harness import ROOT, free_port
    _start(office)
    port = free_port()
    probe = RtpProbe(port, PCAPS / "dtmf_2833_1.pcap", payload_type=payload_type, delay_s=0.8)
    probe.start()
    try:
        result, _ = sipp(office, ROOT / "bench/caller_probe.xml", template={"hold_ms": 2500},
                         keys={"rtp_port": port, "pt": payload_type})
    finally:
        probe.stop()
    assert result.returncode == 0, result.stdout[-2000:]
    [record] = office.ended_records(1)
    assert record["ivr_path"] == "main:1" and record["queue"] == "taxi"
