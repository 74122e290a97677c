"""A supervisor follows the call to the dispatcher it is transferred to, in every mode,
through the real SIP engine and conference bridge.

The caller (SIPp) sends no audio at all, so every tone on a recording came straight
from a phone: anna (dispatcher A) sends 1 kHz, ben (dispatcher B) 600 Hz, the
supervisor 400 Hz. The supervisor joins anna's call, anna transfers it (blind) to ben,
ben answers, anna's leg is hung up, the caller talks on with ben:

    mode     supervisor hears ben (600)   ben hears the supervisor (400)
    listen   yes                          no
    whisper  yes                          yes
    barge    yes                          yes

Before this was built the supervisor's paths stayed on anna's hung-up leg: 600 on the
supervisor's recording and 400 on ben's were both silence. (The caller's side of barge
is unchanged by a transfer: tests/e2e/test_supervision_audio.py.)
"""

from __future__ import annotations

import threading

import pytest

from harness import PCAPS, goertzel_share, office_toml, read_wav, sipp, tone_wav, wait_for

pytestmark = [pytest.mark.sip]

HEARD, SILENT = 0.05, 0.01
QUEUE_OPTS = 'members = ["anna"]\nwrapup_s = 1.0\nring_timeout_s = 6.0'


def _people(office) -> dict[str, dict]:
    return {d["name"]: d for d in office.control.status()["dispatchers"]}


def _supervision(office, call_id: str) -> dict:
    return next((s for s in office.control.action("supervisions") if s["call_id"] == call_id), {})


def _transferred_call(office, mode: str) -> tuple[dict, list[int], list[int], int]:
    """One call: supervised in ``mode``, transferred anna → ben. Returns the supervision's
    status once ben has the call, and what ben and the supervisor heard."""
    done: dict = {}
    caller = threading.Thread(target=lambda: done.update(result=sipp(
        office, "caller.xml", timeout=90,
        template={"greet_ms": 1500, "talk_ms": 11000, "voice": ""},
        keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})[0]))
    before = len(office.phone_calls())
    caller.start()
    call_id = wait_for(lambda: _people(office)["anna"].get("on_call"), 20, what="anna on the call")
    office.control.action("supervise", call_id=call_id, mode=mode)
    wait_for(lambda: _supervision(office, call_id).get("state") == "active", 10,
             what="the supervisor on the call")
    office.control.action("transfer", call_id=call_id, to="ben", mode="blind")
    wait_for(lambda: _people(office)["ben"].get("on_call") == call_id, 15,
             what="ben has the caller")
    view = wait_for(lambda: (s := _supervision(office, call_id)).get("dispatcher") == "ben" and s,
                    5, what="the supervision showing ben")
    caller.join(90)
    assert done["result"].returncode == 0, done["result"].stdout[-2000:]
    calls = wait_for(lambda: len(office.phone_calls()) >= before + 3 and office.phone_calls(), 15,
                     what="the three phones' reports")[before:]
    by_phone = {c["phone"]: c for c in calls}
    assert by_phone["101"]["answered"]  # anna's phone: hung up by the box at the hand-over
    ben, rate = read_wav(by_phone["102"]["recording"])
    supervisor, _ = read_wav(by_phone["200"]["recording"])
    return view, ben, supervisor, rate


def test_the_supervisor_follows_the_call_to_the_new_dispatcher_in_every_mode(office, tmp_path):
    sup_port = office.phone_ports[2]
    toml = office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17),
                                         ("ben", "102", office.phone_ports[1], 18)],
                       rtp_port=office.rtp_port, queue_opts=QUEUE_OPTS)
    office.start_core(toml + f'\n[acd]\nsupervisor_phone = "sip:200@127.0.0.1:{sup_port}"\n')
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "a.wav", 1000, seconds=60),
                        answer_after="0.5-0.5")
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"],
                        voice=tone_wav(tmp_path / "b.wav", 600, seconds=60), answer_after="1-1")
    office.start_phones([f"200@127.0.0.1:{sup_port}"],
                        voice=tone_wav(tmp_path / "s.wav", 400, seconds=60), answer_after="0.3-0.3")
    shares, views = {}, {}
    for mode in ("listen", "whisper", "barge"):
        views[mode], ben, supervisor, rate = _transferred_call(office, mode)
        shares[mode] = {"supervisor hears ben": goertzel_share(supervisor, 600, rate),
                        "ben hears the supervisor": goertzel_share(ben, 400, rate)}
    print(shares)
    assert all(v["mode"] == mode and v["state"] == "active" for mode, v in views.items())
    assert all(s["supervisor hears ben"] > HEARD for s in shares.values())
    assert shares["listen"]["ben hears the supervisor"] < SILENT
    assert shares["whisper"]["ben hears the supervisor"] > HEARD
    assert shares["barge"]["ben hears the supervisor"] > HEARD
