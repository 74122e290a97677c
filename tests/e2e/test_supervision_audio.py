"""Listen / whisper / barge through the real conference bridge, tone by tone.

The caller (SIPp) echoes every RTP packet it receives, the dispatcher's phone sends a
1 kHz tone, the supervisor's phone a 600 Hz tone; both phones record what they hear.
So the supervisor hearing their own 600 Hz back means the caller heard them.

    mode     dispatcher hears 600   caller hears 600 (echo → supervisor)   supervisor hears 1000
    listen   no                     no                                     yes
    whisper  yes                    no                                     yes
    barge    yes                    yes                                    yes
"""

from __future__ import annotations

import threading

import pytest

from harness import PCAPS, goertzel_share, office_toml, read_wav, sipp, tone_wav, wait_for

pytestmark = [pytest.mark.sip]

HEARD, SILENT = 0.05, 0.01


def _call_with_supervisor(office, mode: str) -> tuple[list[int], list[int], int]:
    done: dict = {}
    caller = threading.Thread(target=lambda: done.update(result=sipp(
        office, "caller.xml", echo=True, template={"greet_ms": 1500, "talk_ms": 7000, "voice": ""},
        keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})[0]))
    before = len(office.phone_calls())
    caller.start()

    def on_call():
        anna = next(d for d in office.control.status()["dispatchers"] if d["name"] == "anna")
        return anna.get("on_call")
    call_id = wait_for(on_call, 15, what="anna on a call")
    office.control.action("supervise", call_id=call_id, mode=mode)
    caller.join(40)
    assert done["result"].returncode == 0, done["result"].stdout[-2000:]
    calls = wait_for(lambda: len(office.phone_calls()) >= before + 2 and office.phone_calls(),
                     10, what="both phones' reports")[before:]
    by_phone = {c["phone"]: c for c in calls}
    dispatcher, rate = read_wav(by_phone["101"]["recording"])
    supervisor, _ = read_wav(by_phone["200"]["recording"])
    return dispatcher, supervisor, rate


def test_listen_whisper_and_barge_reach_exactly_who_they_should(office, tmp_path):
    sup_port = office.phone_ports[1]
    toml = office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                       rtp_port=office.rtp_port)
    office.start_core(toml + f'\n[acd]\nsupervisor_phone = "sip:200@127.0.0.1:{sup_port}"\n')
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "d.wav", 1000, seconds=15), answer_after="1-1")
    office.start_phones([f"200@127.0.0.1:{sup_port}"],
                        voice=tone_wav(tmp_path / "s.wav", 600, seconds=15),
                        answer_after="0.3-0.3")
    shares = {}
    for mode in ("listen", "whisper", "barge"):
        dispatcher, supervisor, rate = _call_with_supervisor(office, mode)
        shares[mode] = (goertzel_share(dispatcher, 600, rate), goertzel_share(supervisor, 600, rate),
                        goertzel_share(supervisor, 1000, rate))
    print(shares)
    assert shares["listen"][0] < SILENT and shares["listen"][1] < SILENT
    assert shares["whisper"][0] > HEARD and shares["whisper"][1] < SILENT
    assert shares["barge"][0] > HEARD and shares["barge"][1] > HEARD
    assert all(s[2] > HEARD for s in shares.values())  # the supervisor always hears the call
