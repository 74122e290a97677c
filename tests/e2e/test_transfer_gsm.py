"""Transfers of a caller who came in on a GSM modem (simulated Quectel on a pty).

The GSM caller's audio is a media port in the conference bridge, not a SIP call: these
tests prove that a transfer moves that port between dispatchers as it moves a SIP
caller. The modem sends a 400 Hz tone and records what the box sends it; dispatcher A
(anna, 101) is a sim-phone sending 2.4 kHz, B (ben, 102) one sending 1.8 kHz (above the
hold music's notes), each recording what it hears. Transfers are asked for through the
web API, as the live page does, or by A's phone (SIPp, REFER).
"""

from __future__ import annotations

import sqlite3
import subprocess
import struct

import pytest

from appliance.telephony.gsm.sim.audio import TONE_HZ
from harness import (goertzel_share, gsm_line_up, gsm_toml, office_toml, post_json, read_wav,
                     rms, sipp_phone, tone_wav, wait_for, web_server)

pytestmark = [pytest.mark.sip]

A_HZ, B_HZ = 2400, 1800  # the hold music's notes stay below 1.4 kHz (prompts/music.py)
HEARD = 0.5  # the modem hears one tone at a time: most of its energy
FAINT = 0.05
SECOND = 8000 * 2  # bytes of 8 kHz 16-bit PCM
QUEUE_OPTS = 'members = ["anna"]\nwrapup_s = 1.0\nring_timeout_s = 6.0'


def _start_core(office, modem, queue_opts: str = QUEUE_OPTS) -> None:
    """The core with anna and ben (only anna in the queues) and the modem's line, up."""
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17),
                                                    ("ben", "102", office.phone_ports[1], 18)],
                                  rtp_port=office.rtp_port, queue_opts=queue_opts)
                      + gsm_toml(modem))
    wait_for(lambda: gsm_line_up(office), 20, 0.2, "the GSM line to register")


@pytest.fixture
def web(office, modem):
    _start_core(office, modem)
    with web_server(office) as served:
        yield served


def _people(office) -> dict[str, dict]:
    return {d["name"]: d for d in office.control.status()["dispatchers"]}


def _gsm_caller_reaches_anna(office, modem) -> str:
    modem.inject_call("+989121234567")
    wait_for(lambda: modem.call is not None and modem.call.stat == 0, 10, what="the box to answer")
    wait_for(lambda: office.control.status()["in_menu"], 5, what="the caller in the menu")
    modem.press("1")
    return wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")


def _modem_hears(modem, seconds: float = 2.0, skip: float = 0.5) -> list[int]:
    """``seconds`` of what the box sends the modem, as samples, after ``skip`` seconds:
    a change of audio paths reaches the modem through the line's 100 ms send buffer."""
    start = len(modem.audio.received) + int(skip * SECOND)
    wait_for(lambda: len(modem.audio.received) >= start + int(seconds * SECOND),
             skip + seconds + 10, what=f"{seconds} s of audio at the modem")
    pcm = bytes(modem.audio.received[start:start + int(seconds * SECOND)])
    return list(struct.unpack(f"<{len(pcm) // 2}h", pcm))


def _shares(samples: list[int]) -> dict[str, float]:
    return {"anna": goertzel_share(samples, A_HZ, 8000),
            "ben": goertzel_share(samples, B_HZ, 8000), "rms": rms(samples)}


def _report(office, phone: str) -> dict:
    return wait_for(lambda: [c for c in office.phone_calls() if c["phone"] == phone], 15,
                    what=f"phone {phone}'s report")[-1]


def _start_phones(office, tmp_path, ben: str = "", ben_hangs_up: str = "0") -> None:
    """anna answers at once, ben after a second (``ben``: e.g. ",mode=noanswer")."""
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"], answer_after="0.5-0.5",
                        voice=tone_wav(tmp_path / "a.wav", A_HZ, seconds=60))
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}{ben}"], answer_after="1-1",
                        voice=tone_wav(tmp_path / "b.wav", B_HZ, seconds=60),
                        hangup_after=ben_hangs_up)


def _consulting(office) -> None:
    wait_for(lambda: [t for t in office.control.status()["transfers"]
                      if t["state"] == "consulting"],
             15, what="anna consulting ben")


def _anna_then_ben(office, modem, call_id: str) -> None:
    """After the hand-over: the modem hears ben, anna's leg is gone while the caller talks on."""
    people = wait_for(lambda: (p := _people(office))["ben"].get("on_call") == call_id and p,
                      15, what="ben has the caller")
    assert people["anna"]["state"] in ("wrapup", "available")
    anna = _report(office, "101")  # the box hung anna's phone up
    assert anna["answered"] and modem.call is not None  # ... while the GSM caller stays
    after = _shares(_modem_hears(modem))
    print("the GSM caller hears, after the transfer:", after)
    assert after["ben"] > HEARD and after["anna"] < FAINT


def _ended(office, modem) -> dict:
    modem.remote_hangup()
    [record] = office.ended_records(1, timeout=20)
    assert record["line"] == "gsm1" and record["caller"] == "+989121234567"
    return record


@pytest.mark.parametrize("mode", ["blind", "attended"])
def test_a_gsm_caller_transferred_from_the_web_talks_to_b(office, modem, web, tmp_path, mode):
    base, token = web
    _start_phones(office, tmp_path)
    call_id = _gsm_caller_reaches_anna(office, modem)
    before = _shares(_modem_hears(modem, 1.0))
    print("the GSM caller hears anna:", before)
    assert before["anna"] > HEARD

    started = post_json(base, token, f"/api/calls/{call_id}/transfer", {"to": "ben", "mode": mode})
    assert started["result"]["state"] == f"ringing-{'blind' if mode == 'blind' else 'consult'}"
    if mode == "attended":
        _consulting(office)
        held = _shares(_modem_hears(modem))  # the caller is on hold while they talk
        print("the GSM caller hears, on hold:", held)
        assert held["anna"] < FAINT and held["ben"] < FAINT and held["rms"] > 0.003  # music
        post_json(base, token, f"/api/calls/{call_id}/transfer/complete", {})
    _anna_then_ben(office, modem, call_id)

    record = _ended(office, modem)
    assert (record["dispatcher"], record["disposition"]) == ("ben", "answered")
    assert f"transfer:{mode}:anna>ben" in record["ivr_path"].split(",")
    ben, rate = read_wav(_report(office, "102")["recording"])
    end = goertzel_share(ben[-2 * rate:], TONE_HZ, rate)
    print("ben hears the GSM caller's tone at the end:", end)
    assert end > HEARD
    if mode == "attended":
        anna, rate = read_wav(_report(office, "101")["recording"])
        assert goertzel_share(anna, B_HZ, rate) > FAINT  # anna and ben talked first
        assert goertzel_share(ben, A_HZ, rate) > FAINT


@pytest.mark.parametrize("mode", ["blind", "attended"])
def test_a_transfer_b_does_not_answer_gives_the_gsm_caller_back_to_a(office, modem, web,
                                                                      tmp_path, mode):
    base, token = web
    _start_phones(office, tmp_path, ben=",mode=noanswer")
    call_id = _gsm_caller_reaches_anna(office, modem)
    assert _shares(_modem_hears(modem, 1.0))["anna"] > HEARD

    post_json(base, token, f"/api/calls/{call_id}/transfer", {"to": "ben", "mode": mode})
    ringing = _shares(_modem_hears(modem))  # hold music, cut from anna
    print("the GSM caller hears, while ben rings:", ringing)
    assert ringing["anna"] < FAINT and ringing["rms"] > 0.003  # hold music, not anna
    back = wait_for(lambda: not (s := office.control.status())["transfers"] and s, 15,
                    what="the transfer given up (ring timeout 6 s)")
    people = {d["name"]: d for d in back["dispatchers"]}
    assert people["anna"]["state"] == "busy" and people["anna"]["on_call"] == call_id
    assert people["ben"]["state"] == "available"
    again = _shares(_modem_hears(modem))
    print("the GSM caller hears, back with anna:", again)
    assert again["anna"] > HEARD and again["ben"] < FAINT

    record = _ended(office, modem)
    assert (record["dispatcher"], record["disposition"]) == ("anna", "answered")
    assert record["ivr_path"].endswith(f"transfer:{mode}:anna>ben:failed")
    anna, rate = read_wav(_report(office, "101")["recording"])
    end = goertzel_share(anna[-2 * rate:], TONE_HZ, rate)
    print("anna hears the GSM caller's tone at the end:", end)
    assert end > HEARD


def _refer_phone(office, scenario: str, talk_ms: int = 2500) -> subprocess.Popen:
    """Anna's phone: a SIPp UAS echoing what it hears, that REFERs the caller to ben."""
    return sipp_phone(office, scenario, {"talk_ms": talk_ms, "final_re": "SIP/2.0 200",
                                         "refer_to": f"sip:102@127.0.0.1:{office.sip_port}"},
                      "phone_refer.log")


def test_a_phone_that_refers_a_gsm_caller_and_hangs_up_still_hands_them_to_b(office, modem, web,
                                                                              tmp_path):
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"],
                        voice=tone_wav(tmp_path / "b.wav", B_HZ, seconds=60), answer_after="3-3")
    phone = _refer_phone(office, "phone_refer_bye.xml")
    call_id = _gsm_caller_reaches_anna(office, modem)
    echo = goertzel_share(_modem_hears(modem, 1.0), TONE_HZ, 8000)
    print("the GSM caller hears its own tone back from anna's phone:", echo)
    assert echo > HEARD
    gone = wait_for(lambda: [t for t in office.control.status()["transfers"] if t["from_leg_gone"]],
                    15, what="anna's phone gone while ben rings")
    assert gone[0]["to"] == "ben" and modem.call is not None
    wait_for(lambda: _people(office)["ben"].get("on_call") == call_id, 15,
             what="ben has the caller")
    after = _shares(_modem_hears(modem))
    print("the GSM caller hears, after the transfer:", after)
    assert after["ben"] > HEARD
    assert phone.wait(30) == 0, (office.tmp / "phone_refer.log").read_text()[-3000:]

    record = _ended(office, modem)
    assert (record["dispatcher"], record["disposition"]) == ("ben", "answered")
    assert "transfer:blind:anna>ben" in record["ivr_path"].split(",")
    ben, rate = read_wav(_report(office, "102")["recording"])
    assert goertzel_share(ben[-2 * rate:], TONE_HZ, rate) > HEARD


def test_a_gsm_caller_who_hangs_up_while_b_rings_ends_the_call_and_frees_everyone(office, modem,
                                                                                  web, tmp_path):
    base, token = web
    _start_phones(office, tmp_path, ben=",mode=noanswer")
    call_id = _gsm_caller_reaches_anna(office, modem)
    post_json(base, token, f"/api/calls/{call_id}/transfer", {"to": "ben", "mode": "blind"})
    wait_for(lambda: _people(office)["ben"]["state"] == "ringing", 10, what="ben's phone ringing")
    record = _ended(office, modem)
    assert (record["dispatcher"], record["disposition"]) == ("anna", "answered")
    assert record["hangup_cause"] == "caller hung up"
    assert _report(office, "101")["answered"]  # the box hung anna's phone up
    wait_for(lambda: (s := office.control.status())["transfers"] == [] and
             {d["name"]: d["state"] for d in s["dispatchers"]}["ben"] == "available", 10,
             what="the transfer dropped and ben free")
    wait_for(lambda: next(line for line in office.control.status()["lines"]
                          if line["name"] == "sip")["calls"] == 0, 10, what="no SIP call left")
    assert gsm_line_up(office)


def test_b_hanging_up_after_taking_a_recorded_gsm_call_over_ends_it_on_the_modem(office, modem,
                                                                                 tmp_path):
    """The recording follows the call to ben and holds all three voices; ben hanging up is
    the end of the call, so the box hangs the modem's call up."""
    _start_core(office, modem, QUEUE_OPTS + "\nrecord = true")
    _start_phones(office, tmp_path, ben_hangs_up="4-4")
    call_id = _gsm_caller_reaches_anna(office, modem)
    wait_for(lambda: "recording " + call_id in (office.tmp / "core.log").read_text(), 10,
             what="the recording started")
    _modem_hears(modem, 1.0)  # a second of anna in the recording
    office.control.action("transfer", call_id=call_id, to="ben", mode="blind")
    wait_for(lambda: _people(office)["ben"].get("on_call") == call_id, 15,
             what="ben has the caller")
    wait_for(lambda: modem.call is None, 15, what="the box to hang the modem's call up")
    [record] = office.ended_records(1, timeout=20)
    assert (record["dispatcher"], record["disposition"], record["hangup_cause"]) == \
        ("ben", "answered", "dispatcher hung up")
    assert any(c.startswith("ATH") or c.startswith("AT+CHUP") for c in modem.commands)

    def row():
        conn = sqlite3.connect(office.data / "callbox.sqlite3")
        try:
            return conn.execute("SELECT dispatcher, path FROM recordings").fetchone()
        finally:
            conn.close()
    dispatcher, path = wait_for(row, 15, what="the recording")
    assert dispatcher == "ben"
    wav = tmp_path / "back.wav"
    subprocess.run(["sox", str(office.data / path), "-r", "8000", "-b", "16", "-c", "1", str(wav)],
                   check=True)
    samples, rate = read_wav(wav)
    shares = {name: goertzel_share(samples, hz, rate)
              for name, hz in (("caller", TONE_HZ), ("anna", A_HZ), ("ben", B_HZ))}
    print("the recording holds:", shares)
    assert all(share > FAINT for share in shares.values())


def test_a_gsm_caller_whose_a_left_and_b_did_not_answer_waits_first_in_the_queue(office, modem,
                                                                                  web, tmp_path):
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]},mode=noanswer"])
    phone = _refer_phone(office, "phone_refer_bye.xml")
    call_id = _gsm_caller_reaches_anna(office, modem)
    wait_for(lambda: [t for t in office.control.status()["transfers"] if t["from_leg_gone"]],
             15, what="anna's phone gone while ben rings")
    taxi = wait_for(lambda: not (s := office.control.status())["transfers"] and
                    next(q for q in s["queues"] if q["name"] == "taxi")["waiting"], 15,
                    what="the transfer given up (ring timeout 6 s)")
    assert (taxi[0]["call_id"], taxi[0]["caller"]) == (call_id, "+989121234567")
    held = _shares(_modem_hears(modem))
    print("the GSM caller hears, waiting again:", held)
    assert held["rms"] > 0.003 and modem.call is not None  # hold music on the modem's call
    assert phone.wait(60) == 0, (office.tmp / "phone_refer.log").read_text()[-3000:]
    record = _ended(office, modem)
    assert record["ivr_path"].endswith("transfer:blind:anna>ben:failed")
    assert record["hangup_cause"].startswith("caller hung up while waiting")


def test_an_attended_transfer_cancelled_after_the_consultation_gives_the_gsm_caller_back_to_a(
        office, modem, web, tmp_path):
    base, token = web
    _start_phones(office, tmp_path)
    call_id = _gsm_caller_reaches_anna(office, modem)
    post_json(base, token, f"/api/calls/{call_id}/transfer", {"to": "ben", "mode": "attended"})
    _consulting(office)
    assert _shares(_modem_hears(modem))["ben"] < FAINT  # on hold: ben is not heard yet
    post_json(base, token, f"/api/calls/{call_id}/transfer/cancel", {})
    ben_call = _report(office, "102")  # the box hung ben's phone up
    assert ben_call["answered"]
    people = _people(office)
    assert people["anna"]["on_call"] == call_id and people["ben"]["on_call"] is None
    again = _shares(_modem_hears(modem))
    print("the GSM caller hears, back with anna:", again)
    assert again["anna"] > HEARD and again["ben"] < FAINT

    record = _ended(office, modem)
    assert (record["dispatcher"], record["disposition"]) == ("anna", "answered")
    assert record["ivr_path"].endswith("transfer:attended:anna>ben:failed")
    ben, rate = read_wav(ben_call["recording"])
    assert goertzel_share(ben, TONE_HZ, rate) < FAINT  # ben never heard the caller
