"""Dead air on a conversation with a GSM caller: both sides silent for
``[sip] silence_timeout_s`` → the box hangs up (the dispatcher's SIP leg and the modem's
call), and the record says why. Before, a GSM side was never measured, so such a call
stayed up until ``max_call_s``."""

from __future__ import annotations

import time
import wave

import pytest

from harness import gsm_line_up, gsm_toml, office_toml, wait_for

pytestmark = [pytest.mark.sip]


def _silence(path) -> str:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(2 * 8000 * 30))
    return str(path)


def _start(office, modem, seconds: float) -> None:
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                                  rtp_port=office.rtp_port,
                                  sip_opts=f"silence_timeout_s = {seconds}") + gsm_toml(modem))
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"], answer_after="0.5-0.5",
                        voice=_silence(office.tmp / "silence.wav"))  # anna says nothing
    wait_for(lambda: gsm_line_up(office), 20, 0.2, "the GSM line to register")


def _call(office, modem) -> None:
    modem.inject_call("+989121234567")
    wait_for(lambda: modem.call is not None and modem.call.stat == 0, 10, what="the box to answer")
    wait_for(lambda: office.control.status()["in_menu"], 5, what="the caller in the menu")
    modem.press("1")


def test_a_silent_gsm_caller_and_a_silent_dispatcher_are_hung_up(office, modem):
    modem.audio.source = "silence"  # the phone sends no voice either
    _start(office, modem, 3.0)
    _call(office, modem)
    wait_for(lambda: modem.call is None, 30, what="the box to hang up the dead-air call")
    [record] = office.ended_records(1)
    assert record["dispatcher"] == "anna"
    assert (record["disposition"], record["hangup_cause"]) == ("answered", "timeout: silence")


def test_a_gsm_caller_who_talks_keeps_the_call(office, modem):
    _start(office, modem, 3.0)  # anna is silent, the modem's caller sends its tone
    _call(office, modem)
    wait_for(lambda: any(d["state"] == "busy" for d in office.control.status()["dispatchers"]),
             15, what="anna on the call")
    time.sleep(6)  # not waiting for a condition: twice the dead-air limit, the caller talking
    assert modem.call is not None
    modem.remote_hangup()
    [record] = office.ended_records(1)
    assert record["hangup_cause"] != "timeout: silence"
