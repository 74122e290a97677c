"""Transfers between dispatchers through the real SIP engine and conference bridge.

The caller (SIPp) echoes every RTP packet it receives. Dispatcher A is either a SIPp
phone that answers, talks, then sends REFER in the dialog (tests/e2e/scenarios/
phone_refer.xml: it checks the 202, the NOTIFY "100 Trying" and the final NOTIFY's
sipfrag, then expects the box's BYE), or a pjsua2 sim-phone sending a 1 kHz tone.
Dispatcher B is a sim-phone sending 600 Hz. Every sim-phone records what it hears, so B
hearing its own 600 Hz back means the caller is connected to B.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
import uuid
from urllib.parse import quote

import pytest

from harness import (PCAPS, goertzel_share, office_toml, post_json, read_wav, rms, sipp,
                     sipp_phone, tone_wav, wait_for, web_server)

pytestmark = [pytest.mark.sip]

HEARD = 0.05
RINGBACK_HZ = 425
QUEUE_OPTS = 'members = ["anna"]\nwrapup_s = 1.0\nring_timeout_s = 6.0'


def _toml(office) -> str:
    return office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17),
                                         ("ben", "102", office.phone_ports[1], 18)],
                       rtp_port=office.rtp_port, queue_opts=QUEUE_OPTS)


def _refer_phone(office, final_re: str = "", talk_ms: int = 2500,
                 scenario: str = "phone_refer.xml", replaces: str = "") -> subprocess.Popen:
    """Anna's phone: SIPp UAS that REFERs the caller to ben (extension 102); with
    ``replaces`` (a Call-ID) an attended REFER naming that call."""
    refer_to = f"sip:102@127.0.0.1:{office.sip_port}"
    if replaces:  # as phones write it: the Replaces header escaped in the URI
        refer_to += f"?Replaces={quote(replaces)}%3Bto-tag%3Dbox%3Bfrom-tag%3Dphone"
    return sipp_phone(office, scenario, {"talk_ms": talk_ms, "final_re": final_re,
                                         "refer_to": refer_to}, "phone_refer.log")


def _caller(office, talk_ms: int, echo: bool = True) -> tuple[threading.Thread, dict]:
    done: dict = {}
    thread = threading.Thread(target=lambda: done.update(result=sipp(
        office, "caller.xml", echo=echo, timeout=90,
        template={"greet_ms": 1500, "talk_ms": talk_ms, "voice": ""},
        keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})[0]))
    thread.start()
    return thread, done


def _people(office) -> dict[str, dict]:
    return {d["name"]: d for d in office.control.status()["dispatchers"]}


def _record(office) -> dict:
    return office.ended_records(1, timeout=20)[-1]


def _report(office, phone: str) -> dict:
    calls = wait_for(lambda: [c for c in office.phone_calls() if c["phone"] == phone], 15,
                     what=f"phone {phone}'s report")
    return calls[-1]


def _finish(phone: subprocess.Popen, caller: threading.Thread, done: dict, office) -> None:
    caller.join(90)
    assert done["result"].returncode == 0, done["result"].stdout[-2000:]
    assert phone.wait(60) == 0, (office.tmp / "phone_refer.log").read_text()[-3000:]


def test_blind_transfer_by_refer_moves_the_caller_to_b(office, tmp_path):
    office.start_core(_toml(office))
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"],
                        voice=tone_wav(tmp_path / "b.wav", 600, seconds=30), answer_after="2-2")
    phone = _refer_phone(office, final_re="SIP/2.0 200")
    caller, done = _caller(office, talk_ms=14000)
    call_id = wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")
    ringing = wait_for(lambda: (s := office.control.status())["transfers"] and s, 15,
                       what="the REFER turned into a transfer")
    assert ringing["transfers"][0]["mode"] == "blind"
    assert {d["name"]: d["state"] for d in ringing["dispatchers"]}["ben"] == "ringing"
    people = wait_for(lambda: (p := _people(office))["ben"].get("on_call") == call_id and p,
                      15, what="ben has the caller")
    assert people["ben"]["state"] == "busy" and people["anna"]["state"] in ("wrapup", "available")
    lamps = office.pins(17, 18)
    assert lamps[18][-1][1] is True  # ben's lamp on
    wait_for(lambda: office.pins(17)[17][-1][1] is False, 5, what="anna's lamp off")
    _finish(phone, caller, done, office)
    record = _record(office)
    assert record["dispatcher"] == "ben" and record["disposition"] == "answered"
    assert "transfer:blind:anna>ben" in record["ivr_path"].split(",")
    heard, rate = read_wav(_report(office, "102")["recording"])
    share = goertzel_share(heard, 600, rate)
    print("ben hears his own tone back from the caller:", share)
    assert share > HEARD


def test_a_phone_that_hangs_up_right_after_its_refer_still_hands_the_caller_to_b(office, tmp_path):
    office.start_core(_toml(office))
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"],
                        voice=tone_wav(tmp_path / "b.wav", 600, seconds=30), answer_after="3-3")
    phone = _refer_phone(office, scenario="phone_refer_bye.xml")
    caller, done = _caller(office, talk_ms=13000)
    call_id = wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")
    gone = wait_for(lambda: [t for t in office.control.status()["transfers"] if t["from_leg_gone"]],
                    15, what="anna's phone gone while ben rings")
    assert gone[0]["to"] == "ben"
    wait_for(lambda: _people(office)["ben"].get("on_call") == call_id, 15, what="ben has the caller")
    _finish(phone, caller, done, office)
    record = _record(office)
    assert record["dispatcher"] == "ben" and "transfer:blind:anna>ben" in record["ivr_path"]
    heard, rate = read_wav(_report(office, "102")["recording"])
    assert goertzel_share(heard, 600, rate) > HEARD


def test_blind_transfer_that_b_does_not_answer_returns_the_caller_to_a(office, tmp_path):
    office.start_core(_toml(office))
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]},mode=noanswer"])
    phone = _refer_phone(office, final_re="SIP/2.0 408")
    caller, done = _caller(office, talk_ms=16000)
    call_id = wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")
    wait_for(lambda: office.control.status()["transfers"], 15, what="the transfer")
    back = wait_for(lambda: not (s := office.control.status())["transfers"] and s, 15,
                    what="the transfer given up (ring timeout 6 s)")
    people = {d["name"]: d for d in back["dispatchers"]}
    assert people["anna"]["state"] == "busy" and people["anna"]["on_call"] == call_id
    assert people["ben"]["state"] == "available"
    _finish(phone, caller, done, office)  # the caller hung up at the end: anna got the BYE
    record = _record(office)
    assert record["dispatcher"] == "anna" and record["disposition"] == "answered"
    assert "transfer:blind:anna>ben:failed" in record["ivr_path"].split(",")
    assert record["hangup_cause"] == "caller hung up"


def test_while_b_rings_a_hears_ringback_and_after_no_answer_the_caller_is_back(office, tmp_path):
    """Audio of a failed transfer: A (1 kHz) hears the caller's echo of their own tone,
    ringback while B rings (the caller is on hold music, cut from A), then the echo again."""
    office.start_core(_toml(office))
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "a.wav", 1000, seconds=40), answer_after="0.3-0.3")
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]},mode=noanswer"])
    caller, done = _caller(office, talk_ms=13000)
    call_id = wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")
    office.control.action("transfer", call_id=call_id, to="102", mode="blind")
    wait_for(lambda: not office.control.status()["transfers"], 15, what="the ring timeout (6 s)")
    caller.join(90)
    assert done["result"].returncode == 0, done["result"].stdout[-2000:]
    record = _record(office)
    assert record["dispatcher"] == "anna" and record["ivr_path"].endswith("transfer:blind:anna>ben:failed")
    anna, rate = read_wav(_report(office, "101")["recording"])
    ringing, back = anna[1 * rate:6 * rate], anna[-2 * rate:]  # the transfer began at ~0.5 s
    shares = {"ringback": goertzel_share(ringing, RINGBACK_HZ, rate),
              "caller's echo while B rang": goertzel_share(ringing, 1000, rate),
              "echo back": goertzel_share(back, 1000, rate)}
    print(shares)
    assert shares["ringback"] > 0.5 and shares["caller's echo while B rang"] < HEARD
    assert shares["echo back"] > HEARD and rms(back) > 0.01


def test_a_recorded_call_keeps_recording_the_dispatcher_who_took_it_over(office, tmp_path):
    """The caller sends no audio here: only the dispatchers' tones can be in the file."""
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17),
                                                    ("ben", "102", office.phone_ports[1], 18)],
                                  rtp_port=office.rtp_port, queue_opts=QUEUE_OPTS + "\nrecord = true"))
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "a.wav", 1000, seconds=40), answer_after="0.3-0.3")
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"],
                        voice=tone_wav(tmp_path / "b.wav", 600, seconds=40), answer_after="1-1")
    caller, done = _caller(office, talk_ms=11000, echo=False)
    call_id = wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")
    wait_for(lambda: "recording " + call_id in (office.tmp / "core.log").read_text(), 10,
             what="the recording started")
    office.control.action("transfer", call_id=call_id, to="ben", mode="blind")
    wait_for(lambda: _people(office)["ben"].get("on_call") == call_id, 15, what="ben has the caller")
    caller.join(90)
    assert done["result"].returncode == 0, done["result"].stdout[-2000:]

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
    shares = {"anna": goertzel_share(samples, 1000, rate), "ben": goertzel_share(samples, 600, rate)}
    print(shares)
    assert shares["anna"] > HEARD and shares["ben"] > HEARD


def test_an_attended_refer_naming_no_call_of_the_box_is_refused_and_the_call_goes_on(office, tmp_path):
    office.start_core(_toml(office))
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"])
    phone = _refer_phone(office, scenario="phone_refer_replaces.xml")
    caller, done = _caller(office, talk_ms=9000)
    wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")
    wait_for(lambda: "names no call of the box" in (office.tmp / "core.log").read_text(), 15,
             what="the refusal in the core's log")
    status = office.control.status()
    assert status["transfers"] == [] and _people(office)["ben"]["state"] == "available"
    sip = next(line for line in status["lines"] if line["name"] == "sip")
    assert sip["library_calls"] == sip["calls"] == 2  # pjsua dialled nothing itself
    _finish(phone, caller, done, office)
    record = _record(office)
    assert record["dispatcher"] == "anna" and "transfer" not in record["ivr_path"]
    assert office.phone_calls() == []  # ben's phone never rang


def _consult(office, sip_call_id: str) -> tuple[threading.Thread, dict]:
    """Anna's phone calls ben (102) through the box: SIPp UAC from user 101, no audio
    sent, with a known Call-ID for the REFER's Replaces."""
    done: dict = {}
    thread = threading.Thread(target=lambda: done.update(result=sipp(
        office, "phone_consult.xml", template={"to": "102"}, keys={"user": "101"}, timeout=60,
        extra=["-cid_str", sip_call_id])[0]))
    thread.start()
    return thread, done


def _records(office, n: int) -> dict[str, dict]:
    return {r["caller_raw"]: r for r in office.ended_records(n, timeout=20)}


def test_attended_transfer_from_the_phone_hands_the_caller_to_its_call_with_b(office, tmp_path):
    """The phone's own consultation: anna's phone calls ben through the box, ben answers,
    then the phone REFERs the caller's leg with Replaces naming that call."""
    office.start_core(_toml(office))
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"],
                        voice=tone_wav(tmp_path / "b.wav", 600, seconds=40), answer_after="1-1")
    sip_call_id = f"consult-{uuid.uuid4().hex[:8]}@127.0.0.1"
    phone = _refer_phone(office, final_re="SIP/2.0 200", talk_ms=7000, replaces=sip_call_id)
    caller, done = _caller(office, talk_ms=18000)
    call_id = wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")
    consult, consulted = _consult(office, sip_call_id)
    talking = wait_for(lambda: [c for c in office.control.status()["internal_calls"]
                                if c["state"] == "talking"], 15, what="anna talking to ben")
    assert talking[0]["from"] == "anna" and talking[0]["to"] == "ben"
    assert _people(office)["ben"]["state"] == "busy" and _people(office)["anna"]["on_call"] == call_id
    people = wait_for(lambda: (p := _people(office))["ben"].get("on_call") == call_id and p,
                      20, what="ben has the caller (the REFER at 7 s)")
    assert people["anna"]["state"] in ("wrapup", "available")
    consult.join(60)
    assert consulted["result"].returncode == 0, consulted["result"].stdout[-2000:]  # got the BYE
    _finish(phone, caller, done, office)  # 202, NOTIFY 100, NOTIFY 200 terminated, BYE
    records = _records(office, 2)
    record, internal = records["09121234567"], records["101"]
    assert record["dispatcher"] == "ben"
    assert "transfer:attended:anna>ben" in record["ivr_path"].split(",")
    assert internal["ivr_path"] == "internal:anna>ben" and internal["dispatcher"] == "ben"
    assert internal["disposition"] == "answered" and "ben took the caller" in internal["hangup_cause"]
    ben, rate = read_wav(_report(office, "102")["recording"])
    share = goertzel_share(ben, 600, rate)  # the consultation sent no audio: only the caller echoes
    print("ben hears his own tone back from the caller:", share)
    assert share > HEARD


def test_a_dispatcher_calls_a_colleague_and_they_hear_each_other(office, tmp_path):
    """Anna's phone (SIPp, echoing) dials 102; ben answers after 1 s and hangs up after 5 s:
    the box hangs anna's call up (the scenario's BYE)."""
    office.start_core(_toml(office))
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"],
                        voice=tone_wav(tmp_path / "b.wav", 600, seconds=20), answer_after="1-1",
                        hangup_after="5-5")
    result, _ = sipp(office, "phone_consult.xml", echo=True, timeout=40,
                     template={"to": "102"}, keys={"user": "101"})
    assert result.returncode == 0, result.stdout[-2000:]
    record = _record(office)
    assert record["ivr_path"] == "internal:anna>ben" and record["dispatcher"] == "ben"
    assert record["disposition"] == "answered" and "dispatcher hung up" in record["hangup_cause"]
    assert not record["queue"]
    status = office.control.status()
    assert status["internal_calls"] == []
    assert {d["name"]: d["state"] for d in status["dispatchers"]}["ben"] in ("wrapup", "available")
    ben, rate = read_wav(_report(office, "102")["recording"])
    print("ben hears anna's phone echo his tone:", goertzel_share(ben, 600, rate))
    assert goertzel_share(ben, 600, rate) > HEARD


def test_a_click_to_call_is_transferred_and_the_customer_talks_to_b(office, tmp_path):
    """Anna (1 kHz) calls a customer back (a SIP phone, 400 Hz); mid-call the box hands
    the customer to ben (600 Hz): the customer hears ben after, and the record says so."""
    office.start_core(_toml(office))
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "a.wav", 1000, seconds=40), answer_after="0.3-0.3")
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"],
                        voice=tone_wav(tmp_path / "b.wav", 600, seconds=40), answer_after="1-1")
    office.start_phones([f"300@127.0.0.1:{office.phone_ports[2]}"],
                        voice=tone_wav(tmp_path / "c.wav", 400, seconds=40), answer_after="0.5-0.5",
                        hangup_after="9-9")
    call_id = office.control.action("call_back", dispatcher="anna",
                                    number=f"sip:300@127.0.0.1:{office.phone_ports[2]}")["call_id"]
    wait_for(lambda: _people(office)["anna"].get("on_call") == call_id, 20, what="the callback bridged")
    time.sleep(1.5)  # not waiting for a condition: 1.5 s of anna and the customer talking
    office.control.action("transfer", call_id=call_id, to="ben", mode="blind")
    people = wait_for(lambda: (p := _people(office))["ben"].get("on_call") == call_id and p,
                      15, what="ben has the customer")
    assert people["anna"]["state"] in ("wrapup", "available")
    record = _record(office)  # the customer hangs up 9 s after answering
    assert record["direction"] == "out" and record["dispatcher"] == "ben"
    assert "transfer:blind:anna>ben" in record["ivr_path"].split(",")
    customer, rate = read_wav(_report(office, "300")["recording"])
    ben, _ = read_wav(_report(office, "102")["recording"])
    tail = customer[-2 * rate:]
    shares = {"customer hears anna first": goertzel_share(customer[:int(1.5 * rate)], 1000, rate),
              "customer hears ben at the end": goertzel_share(tail, 600, rate),
              "anna at the end": goertzel_share(tail, 1000, rate),
              "ben hears the customer": goertzel_share(ben, 400, rate)}
    print(shares)
    assert shares["customer hears anna first"] > HEARD and shares["ben hears the customer"] > HEARD
    assert shares["customer hears ben at the end"] > HEARD and shares["anna at the end"] < HEARD


@pytest.fixture
def web(office):
    office.start_core(_toml(office))
    with web_server(office) as served:
        yield served


def test_attended_transfer_from_the_web_consults_then_hands_over(office, web, tmp_path):
    base, token = web
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "a.wav", 1000, seconds=40), answer_after="0.5-0.5")
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"],
                        voice=tone_wav(tmp_path / "b.wav", 600, seconds=40), answer_after="1-1")
    caller, done = _caller(office, talk_ms=15000)
    call_id = wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")
    started = post_json(base, token, f"/api/calls/{call_id}/transfer", {"to": "ben", "mode": "attended"})
    assert started["result"]["state"] == "ringing-consult"
    wait_for(lambda: [t for t in office.control.status()["transfers"] if t["state"] == "consulting"],
             15, what="anna consulting ben")
    time.sleep(2.5)  # not waiting for a condition: 2.5 s of A and B talking, recorded
    post_json(base, token, f"/api/calls/{call_id}/transfer/complete", {})
    people = wait_for(lambda: (p := _people(office))["ben"].get("on_call") == call_id and p,
                      10, what="ben has the caller")
    assert people["anna"]["state"] in ("wrapup", "available")
    anna_call = _report(office, "101")  # anna's phone was hung up by the box
    assert anna_call["answered"] and caller.is_alive()  # released while the caller talks on
    caller.join(90)
    assert done["result"].returncode == 0, done["result"].stdout[-2000:]
    record = _record(office)
    assert record["dispatcher"] == "ben"
    assert "transfer:attended:anna>ben" in record["ivr_path"].split(",")
    anna, rate = read_wav(anna_call["recording"])
    ben, _ = read_wav(_report(office, "102")["recording"])
    shares = {"anna hears ben": goertzel_share(anna, 600, rate),
              "ben hears anna": goertzel_share(ben, 1000, rate),
              "ben hears the caller": goertzel_share(ben, 600, rate)}
    print(shares)
    assert all(share > HEARD for share in shares.values())
