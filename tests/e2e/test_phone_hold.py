"""A dispatcher's phone puts the caller on hold and takes them back (re-INVITE with
a=sendonly, then a=sendrecv), through the real SIP engine and conference bridge.

The caller is the simulated GSM modem (it sends a 400 Hz tone and records what it
hears); the dispatcher's phone is SIPp echoing every RTP packet. So the caller hears
its own tone while they talk; while on hold the box plays them hold music; after the
phone resumes, the caller hears their own tone again — pjsua re-creates a call's
conference port on a hold re-INVITE, and the box reconnects it.
"""

from __future__ import annotations

import struct
import subprocess
import time

import pytest

from appliance.telephony.gsm.sim.audio import TONE_HZ
from harness import goertzel_share, gsm_line_up, gsm_toml, office_toml, rms, sipp_phone, wait_for

pytestmark = [pytest.mark.sip]

HEARD = 0.05
RATE = 8000


def _hold_phone(office, talk_ms: int, hold_ms: int) -> subprocess.Popen:
    return sipp_phone(office, "phone_hold.xml", {"talk_ms": talk_ms, "hold_ms": hold_ms},
                      "phone_hold.log", timeout_s=60)


def _anna(office) -> dict:
    return next(d for d in office.control.status()["dispatchers"] if d["name"] == "anna")


def _heard(modem, seconds: float) -> list[int]:
    """What the caller hears over the next ``seconds``."""
    modem.audio.received.clear()
    wait_for(lambda: len(modem.audio.received) >= int(RATE * 2 * seconds), seconds + 5,
             what=f"{seconds} s of audio at the modem")
    pcm = bytes(modem.audio.received)
    return list(struct.unpack(f"<{len(pcm) // 2}h", pcm[: len(pcm) // 2 * 2]))


def test_a_caller_put_on_hold_hears_music_and_the_dispatcher_again_after(office, modem):
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                                  rtp_port=office.rtp_port) + gsm_toml(modem))
    phone = _hold_phone(office, talk_ms=3000, hold_ms=5000)
    wait_for(lambda: gsm_line_up(office), 20, 0.2, "the GSM line to register")
    modem.inject_call("+989121234567")
    wait_for(lambda: modem.call is not None and modem.call.stat == 0, 10, what="the box to answer")
    wait_for(lambda: office.control.status()["in_menu"], 5, what="the caller in the menu")
    modem.press("1")
    call_id = wait_for(lambda: _anna(office)["on_call"], 15, what="anna on the call")
    talking = _heard(modem, 1.5)
    wait_for(lambda: call_id in office.control.status()["held_calls"], 10, what="the hold")
    time.sleep(0.5)  # not waiting for a condition: the music's first packets on their way
    held = _heard(modem, 2.0)
    wait_for(lambda: call_id not in office.control.status()["held_calls"], 10, what="the resume")
    time.sleep(0.5)  # not waiting for a condition: the reconnected echo's way round
    back = _heard(modem, 1.5)
    modem.remote_hangup()
    assert phone.wait(30) == 0, (office.tmp / "phone_hold.log").read_text()[-3000:]
    shares = {"talking: own tone": goertzel_share(talking, TONE_HZ, RATE),
              "on hold: own tone": goertzel_share(held, TONE_HZ, RATE),
              "on hold: level": rms(held),
              "back: own tone": goertzel_share(back, TONE_HZ, RATE)}
    print(shares)
    assert shares["talking: own tone"] > 0.5
    # the echo is a pure 400 Hz (share ≈ 1); hold music is chords (G4 = 392 Hz among them)
    assert shares["on hold: own tone"] < 0.5 and shares["on hold: level"] > 0.005
    assert shares["back: own tone"] > 0.5
    [record] = office.ended_records(1)
    assert record["dispatcher"] == "anna" and record["disposition"] == "answered"
