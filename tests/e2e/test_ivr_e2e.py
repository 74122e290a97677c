"""The IVR through the real box (SIPp callers, a simulated GSM modem, pjsua2 core): the
night switch (a MockFactory pin) closes the office and the caller leaves a voicemail
that the web plays; a GSM caller's voicemail is recorded from the modem's audio; a tree
saved while the core runs is used by the next call, in the language the caller picks."""

from __future__ import annotations

import time
import wave

import pytest

from appliance.auth import UserStore
from appliance.config.loader import load_toml
from appliance.control.client import ControlClient
from appliance.control.protocol import socket_path
from appliance.ivr.store import IvrStore
from appliance.telephony.gsm.sim.audio import TONE_HZ
from appliance.voicemail.store import VoicemailStore
from harness import (PCAPS, goertzel_share, gsm_line_up, gsm_toml, office_toml, read_wav, rms,
                     sipp, wait_for)
from web import create_app

pytestmark = [pytest.mark.sip]

NIGHT_PIN = 5


def seconds(path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def toml_for(office, extra_ivr: str = "") -> str:
    toml = office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                       rtp_port=office.rtp_port)
    return toml.replace('root = "main"\n', 'root = "main"\n' + extra_ivr, 1)


def test_night_switch_plays_closed_and_the_caller_leaves_a_voicemail_the_web_plays(office):
    office.start_core(toml_for(office, f"night_switch = {NIGHT_PIN}\n"))
    assert office.control.action("ivr_status")["night_switch"] is False
    office.control.action("drive_pin", pin=NIGHT_PIN, low=True)  # the switch is closed
    assert office.control.action("ivr_status")["night_switch"] is True
    prompts = office.data / "prompts" / "en"
    greeting_s = seconds(prompts / "closed.wav") + seconds(prompts / "voicemail_intro.wav") + 0.4
    result, _ = sipp(office, "caller_keys.xml",
                     template={"wait1_ms": int(greeting_s * 1000) + 700, "wait2_ms": 100,
                               "talk_ms": 3000, "bye_ms": 10000},
                     keys={"key1": PCAPS / "dtmf_2833_5.pcap", "key2": PCAPS / "dtmf_2833_5.pcap",
                           "key3": PCAPS / "dtmf_2833_pound.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    [record] = office.ended_records(1)
    assert record["ivr_path"] == "hours:closed" and record["queue"] is None
    assert (record["disposition"], record["hangup_cause"]) == ("voicemail", "voicemail left")
    [message] = wait_for(lambda: VoicemailStore(office.data).list(), 5, what="the voicemail row")
    assert message.reason == "closed" and message.caller == "+989121234567"
    assert 2.5 <= message.duration_s <= 6.0
    samples, rate = read_wav(VoicemailStore(office.data).file(message))
    assert rate == 8000 and rms(samples) > 0.02, "the caller's voice was not recorded"
    # ...and the web lists and plays it
    app = create_app(load_toml(office.tmp / "callbox.toml"), office.data)
    headers = {"Authorization": f"Bearer {UserStore(office.data).create_token('supervisor')}"}
    client = app.test_client()
    [listed] = client.get("/api/voicemail", headers=headers).get_json()
    assert listed["heard_by"] is None
    audio = client.get(listed["url"], headers=headers)
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"


def test_a_tree_saved_while_running_is_used_by_the_next_call_in_the_callers_language(office):
    office.start_core(toml_for(office))
    store = IvrStore(office.data)
    doc = store.current()["tree"]
    doc["menus"][0]["options"].update({"9": "language:ru", "1": "voicemail"})
    store.save(doc, "test")
    control = ControlClient(socket_path(office.data), timeout=60.0)  # makes the ru prompts
    assert control.action("ivr_reload")["version"] == 2
    result, _ = sipp(office, "caller_keys.xml",
                     template={"wait1_ms": 1200, "wait2_ms": 1500, "talk_ms": 1500,
                               "bye_ms": 500, "voice": ""},
                     keys={"key1": PCAPS / "dtmf_2833_9.pcap", "key2": PCAPS / "dtmf_2833_1.pcap",
                           "key3": PCAPS / "dtmf_2833_5.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    [record] = office.ended_records(1)
    assert record["ivr_path"] == "main:9,main:1"  # 1 was the taxi queue before the save
    assert record["queue"] is None and record["disposition"] == "abandoned"
    log = office.core.output()
    assert "/prompts/ru/main_menu.wav" in log and "/prompts/ru/voicemail_intro.wav" in log


def test_a_gsm_caller_leaves_a_voicemail_recorded_from_the_modems_audio(office, modem):
    toml = toml_for(office).replace('"1" = "queue:taxi"', '"1" = "voicemail"', 1)
    office.start_core(toml + gsm_toml(modem))
    wait_for(lambda: gsm_line_up(office), 20, 0.2, "the GSM line to register")
    modem.inject_call("+989121234567")
    wait_for(lambda: office.control.status()["in_menu"], 10, what="the caller in the menu")
    modem.press("1")
    intro_s = seconds(office.data / "prompts" / "en" / "voicemail_intro.wav") + 0.4
    time.sleep(intro_s + 3.0)  # the tone, then three seconds of the modem's caller (a tone)
    modem.remote_hangup()
    [record] = office.ended_records(1)
    assert (record["line"], record["ivr_path"], record["disposition"]) == \
        ("gsm1", "main:1", "voicemail")
    [message] = wait_for(lambda: VoicemailStore(office.data).list(), 5, what="the voicemail row")
    assert message.reason == "ivr" and 1.5 <= message.duration_s <= 6.0
    samples, rate = read_wav(VoicemailStore(office.data).file(message))
    assert goertzel_share(samples, TONE_HZ, rate) > 0.5, "the modem's audio was not recorded"


def test_on_a_holiday_the_caller_hears_closed_and_the_box_hangs_up(office):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    # the office's day, and the next in case the call starts after its midnight
    today = datetime.now(ZoneInfo("Asia/Tehran")).date()
    days = [today.isoformat(), (today + timedelta(days=1)).isoformat()]
    office.start_core(toml_for(office) + f"""
[ivr.hours]
holidays = ["{days[0]}", "{days[1]}"]
closed_action = "hangup"
""")
    result, _ = sipp(office, "caller.xml", template={"greet_ms": 500, "talk_ms": 30000},
                     keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    [record] = office.ended_records(1)
    assert (record["ivr_path"], record["queue"], record["hangup_cause"]) == \
        ("hours:closed", None, "office closed")  # the 1 pressed was not a menu choice
    assert VoicemailStore(office.data).list() == []
