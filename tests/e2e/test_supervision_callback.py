"""Listen / whisper / barge on a click-to-call through the simulated GSM modem: the
conversation is the callback's two legs (A = the dispatcher's SIP phone, B = the
customer on the modem), not a queue call.

The modem's customer sends 400 Hz, the dispatcher's phone 1 kHz, the supervisor's phone
600 Hz; the modem and both phones record what they hear.

    mode     dispatcher hears 600   customer hears 600   supervisor hears 1000 and 400
    listen   no                     no                   yes
    whisper  yes                    no                   yes
    barge    yes                    yes                  yes
"""

from __future__ import annotations

import struct

import pytest

from appliance.telephony.gsm.sim.audio import TONE_HZ
from harness import (goertzel_share, gsm_line_up, gsm_toml, office_toml, read_wav, tone_wav,
                     wait_for)

pytestmark = [pytest.mark.sip]

HEARD, SILENT = 0.05, 0.01
DISPATCHER_HZ, SUPERVISOR_HZ = 1000, 600
CUSTOMER = "09121234567"
TAIL_S = 1.5  # the end of each recording: the supervisor was on the call throughout


@pytest.fixture
def modem(modem):
    modem.dial_outcome = ("answer", 0.5)
    return modem


def _anna(office) -> dict:
    return next(d for d in office.control.status()["dispatchers"] if d["name"] == "anna")


def _pcm(data: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(data) // 2}h", data[: len(data) // 2 * 2]))


def _callback_with_supervisor(office, modem, mode: str) -> dict:
    wait_for(lambda: _anna(office)["state"] == "available", 15, what="anna free")
    before = len(office.phone_calls())
    call_id = office.control.action("call_back", dispatcher="anna", number=CUSTOMER)["call_id"]
    wait_for(lambda: _anna(office)["on_call"] == call_id, 20, what="the callback bridged")
    office.control.action("supervise", call_id=call_id, mode=mode)
    wait_for(lambda: [s for s in office.control.action("supervisions")
                      if s["call_id"] == call_id and s["state"] == "active"], 15,
             what="the supervisor to answer")
    modem.audio.received.clear()
    wait_for(lambda: len(modem.audio.received) >= int(8000 * 2 * (TAIL_S + 1.5)), 15,
             what="audio at the modem with the supervisor on")
    customer = _pcm(bytes(modem.audio.received))[8000:]  # 1 s for the paths to be made
    modem.remote_hangup()
    calls = wait_for(lambda: len(office.phone_calls()) >= before + 2 and office.phone_calls(),
                     15, what="both phones' reports")[before:]
    by_phone = {c["phone"]: c for c in calls}
    dispatcher, rate = read_wav(by_phone["101"]["recording"])
    supervisor, _ = read_wav(by_phone["200"]["recording"])
    tail = int(TAIL_S * rate)
    dispatcher, supervisor = dispatcher[-tail:], supervisor[-tail:]
    return {"dispatcher hears supervisor": goertzel_share(dispatcher, SUPERVISOR_HZ, rate),
            "customer hears supervisor": goertzel_share(customer, SUPERVISOR_HZ, 8000),
            "supervisor hears dispatcher": goertzel_share(supervisor, DISPATCHER_HZ, rate),
            "supervisor hears customer": goertzel_share(supervisor, TONE_HZ, rate),
            "customer hears dispatcher": goertzel_share(customer, DISPATCHER_HZ, 8000)}


def test_a_callback_is_listened_whispered_and_barged_into(office, modem, tmp_path):
    sup_port = office.phone_ports[1]
    toml = office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                       rtp_port=office.rtp_port)
    office.start_core(toml + gsm_toml(modem)
                      + f'\n[acd]\nsupervisor_phone = "sip:200@127.0.0.1:{sup_port}"\n')
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"],
                        voice=tone_wav(tmp_path / "d.wav", DISPATCHER_HZ, seconds=30),
                        answer_after="0.5-0.5")
    office.start_phones([f"200@127.0.0.1:{sup_port}"],
                        voice=tone_wav(tmp_path / "s.wav", SUPERVISOR_HZ, seconds=30),
                        answer_after="0.3-0.3")
    wait_for(lambda: gsm_line_up(office), 20, 0.2, "the GSM line to come up")
    shares = {mode: _callback_with_supervisor(office, modem, mode)
              for mode in ("listen", "whisper", "barge")}
    print(shares)
    for mode, share in shares.items():
        assert share["supervisor hears dispatcher"] > HEARD, mode
        assert share["supervisor hears customer"] > HEARD, mode
        assert share["customer hears dispatcher"] > HEARD, mode  # the call itself goes on
    assert shares["listen"]["dispatcher hears supervisor"] < SILENT
    assert shares["listen"]["customer hears supervisor"] < SILENT
    assert shares["whisper"]["dispatcher hears supervisor"] > HEARD
    assert shares["whisper"]["customer hears supervisor"] < SILENT
    assert shares["barge"]["dispatcher hears supervisor"] > HEARD
    assert shares["barge"]["customer hears supervisor"] > HEARD
    records = office.ended_records(3)
    assert [r["disposition"] for r in records] == ["callback"] * 3
