"""Calls the box ends on a timeout are recorded truthfully (issue #8 item 3), through
SIPp against a real core: no ACK, no RTP, the maximum call duration, the menu's no-input
fallback. None of them is "caller hung up in the menu"."""

from __future__ import annotations

import subprocess

import pytest

from harness import PCAPS, SCENARIOS, VOICE_PCAP, free_port, office_toml, wait_for

pytestmark = [pytest.mark.sip]

HANGUP_MENU = 'timeout_s = 1.0\nretries = 0\ndefault = "hangup"'


def _box(office, sip_opts: str, ivr_opts: str = "") -> None:
    dispatchers = [("anna", "101", office.phone_ports[0], 17)]
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"], voice="tone")
    office.start_core(office_toml(office.sip_port, dispatchers, rtp_port=office.rtp_port,
                                  sip_opts=sip_opts, ivr_opts=ivr_opts))


def _caller(office, scenario: str, user: str, **template) -> subprocess.Popen:
    text = (SCENARIOS / scenario).read_text()
    for key, value in {"voice": VOICE_PCAP, **template}.items():
        text = text.replace("{" + key + "}", str(value))
    path = office.tmp / f"run-{user}-{scenario}"
    path.write_text(text)
    return subprocess.Popen(
        ["sipp", f"127.0.0.1:{office.sip_port}", "-sf", str(path), "-m", "1", "-i", "127.0.0.1",
         "-p", str(free_port()), "-mp", str(free_port(span=4)), "-nostdin", "-key", "user", user,
         "-key", "dtmf_pcap", str(PCAPS / "dtmf_2833_1.pcap"), "-key", "pt", "101",
         "-timeout", "40s"], cwd=office.tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _record(office, user: str, timeout: float = 30) -> dict:
    rows = wait_for(lambda: [r for r in office.records()
                             if r["caller_raw"] == user and r["disposition"]], timeout,
                    what=f"the record of {user}")
    return rows[0]


def _done(proc: subprocess.Popen) -> None:
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_unacked_and_silent_calls_are_failed_timeouts(office):
    _box(office, "ack_timeout_s = 2.0\nrtp_timeout_s = 3.0")
    noack = _caller(office, "noack.xml", "09120000001", wait_ms=12000)
    silent = _caller(office, "silent.xml", "09120000002", wait_ms=12000)
    unacked, quiet = _record(office, "09120000001"), _record(office, "09120000002")
    assert (unacked["disposition"], unacked["hangup_cause"]) == ("failed", "timeout: no ACK")
    assert (quiet["disposition"], quiet["hangup_cause"]) == ("failed", "timeout: no RTP")
    _done(noack)
    _done(silent)


def test_a_conversation_past_max_call_s_is_cut_and_says_so(office):
    _box(office, "max_call_s = 6.0")
    talker = _caller(office, "caller.xml", "09120000003", greet_ms=1000, talk_ms=30000)
    row = _record(office, "09120000003")
    assert (row["disposition"], row["dispatcher"]) == ("answered", "anna")
    assert row["hangup_cause"] == "timeout: max duration"
    _done(talker)


def test_no_input_until_the_menu_hangs_up_is_no_input(office):
    _box(office, "", ivr_opts=HANGUP_MENU)
    caller = _caller(office, "silent.xml", "09120000004", wait_ms=20000)
    row = _record(office, "09120000004")
    assert (row["disposition"], row["hangup_cause"]) == ("failed", "menu: no input")
    assert row["ivr_path"] == "main:timeout"
    _done(caller)
