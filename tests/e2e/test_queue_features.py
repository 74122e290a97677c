"""Dispatcher feature codes from a SIPp "phone" through the real box: *2 logs out (never
rung, offline), *1 logs in, *3 pauses; a caller is then offered to the one still working."""

from __future__ import annotations

import pytest

from harness import PCAPS, office_toml, sipp, wait_for

pytestmark = [pytest.mark.sip]


def _state(office, name):
    return next(d for d in office.control.status()["dispatchers"] if d["name"] == name)


def _dial(office, code, user="101"):
    result, _ = sipp(office, "feature_code.xml", template={"code": code}, keys={"user": user},
                     timeout=20)
    assert result.returncode == 0, result.stdout[-2000:]


def test_feature_codes_from_the_phone_change_the_dispatchers_state(office):
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17),
                                                    ("boris", "102", office.phone_ports[1], 18)],
                                  rtp_port=office.rtp_port))
    _dial(office, "*2")
    assert _state(office, "anna")["state"] == "offline"
    _dial(office, "*3", user="102")
    assert (_state(office, "boris")["state"], _state(office, "boris")["pause_reason"]) == (
        "paused", "")
    _dial(office, "*1")
    assert _state(office, "anna")["state"] == "available"
    records = office.ended_records(3)
    assert all(r["disposition"] == "answered" and r["hangup_cause"].startswith("feature code")
               for r in records)
    assert all(r["ivr_path"] == "" for r in records)  # never in the menu
    # anna works, boris is paused: a caller rings anna's phone only
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}",
                         f"102@127.0.0.1:{office.phone_ports[1]}"], answer_after="1-1")
    result, _ = sipp(office, "caller.xml", template={"greet_ms": 1500, "talk_ms": 3000},
                     keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    calls = wait_for(office.phone_calls, 10, what="the phone's call report")
    assert {c["phone"] for c in calls} == {"101"}
