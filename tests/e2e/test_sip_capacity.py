"""Five callers at once against 4 call slots (`max_calls = 4`, which is also all the PyPI
wheel has): 486 for the extra, nothing stuck."""

from __future__ import annotations

import pytest

from harness import PCAPS, office_toml, sipp, wait_for

pytestmark = [pytest.mark.sip]


def _office(office, reserve: bool) -> None:
    dispatchers = [("anna", "101", office.phone_ports[0], 17),
                   ("boris", "102", office.phone_ports[1], 23)]
    toml = office_toml(office.sip_port, dispatchers, rtp_port=office.rtp_port,
                       sip_opts=f"reserve_dispatcher_slot = {str(reserve).lower()}\nmax_calls = 4")
    office.start_core(toml)
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}",
                         f"102@127.0.0.1:{office.phone_ports[1]}"])


def _settled(office) -> dict:
    status = office.control.status()
    idle = (status["capacity"]["used"] == 0
            and all(not q["waiting"] for q in status["queues"])
            and not status["in_menu"]
            and all(d["state"] == "available" for d in status["dispatchers"]))
    return status if idle else None


@pytest.mark.parametrize("reserve, admitted", [(True, 2), (False, 4)])
def test_five_invites_at_once(office, reserve, admitted):
    _office(office, reserve)
    assert office.control.status()["capacity"]["total"] == 4  # pjsua2 applied max_calls
    result, _ = sipp(office, "caller_busy_ok.xml", calls=5, parallel=5, rate=100,
                     template={"talk_ms": 4000}, keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    records = office.ended_records(5, timeout=20)
    rejected = [r for r in records if r["disposition"] == "rejected"]
    assert len(rejected) == 5 - admitted
    assert all(r["hangup_cause"].startswith("486") for r in rejected)
    assert all(r["caller"] == "+989121234567" for r in records)
    others = {r["disposition"] for r in records if r["disposition"] != "rejected"}
    if reserve:  # each admitted caller had a slot kept for its dispatcher
        assert others == {"answered"}
    else:  # four callers fill every slot: none can reach a dispatcher, all give up
        assert others == {"abandoned"}
    status = wait_for(lambda: _settled(office), 10, what="the box to settle with no call left")
    assert status["capacity"]["used"] == 0
    # and the box still takes the next call normally
    result, _ = sipp(office, "caller_busy_ok.xml", template={"talk_ms": 3000},
                     keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})
    assert result.returncode == 0
    latest = office.ended_records(6)[-1]
    assert latest["disposition"] == "answered" and latest["dispatcher"] in {"anna", "boris"}
