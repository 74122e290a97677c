"""Telling the customer through a real core and a simulated GSM modem (pty): the SMS that
names the car, ring on approach as a real GSM leg the box hangs up, and the automatic call
that speaks to the customer; each outcome is stored on the order."""

from __future__ import annotations

import struct

import pytest

from appliance.auth.users import UserStore
from appliance.config.loader import load_toml
from harness import gsm_line_up, gsm_toml, office_toml, rms, wait_for
from web import create_app

pytestmark = [pytest.mark.sip]

CUSTOMER = "09121234567"


@pytest.fixture
def api(office, modem):
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                                  rtp_port=office.rtp_port) + gsm_toml(modem)
                      + '\n[desk]\ncity = "Tehran"\ninform = "sms"\nring_s = 2.0\n')
    wait_for(lambda: gsm_line_up(office), 20, 0.2, "the GSM line to come up")
    app = create_app(load_toml(office.tmp / "callbox.toml"), office.data, office.control)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {UserStore(office.data).create_token('supervisor')}"}

    def call(method: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        answer = client.open(path, method=method, json=body, headers=headers)
        assert answer.status_code == status, answer.get_json()
        return answer.get_json()
    return call


def _order(api, inform: str) -> int:
    return api("POST", "/api/orders", {"number": CUSTOMER, "pickup": "Vanak Square",
                                       "inform": inform}, 201)["id"]


def _status(api, oid: int) -> str:
    return api("GET", f"/api/orders/{oid}")["inform_status"]


def test_sms_ring_on_approach_and_the_automatic_call(office, modem, api):
    driver = api("POST", "/api/drivers", {"name": "Reza", "car": "Peugeot 405",
                                          "colour": "white", "plate": "12 B 345"}, 201)["id"]
    # 1. SMS when the driver is assigned (the office default)
    sms = _order(api, "")
    api("POST", f"/api/orders/{sms}/state", {"state": "assigned", "driver": driver,
                                             "eta_min": 7})
    wait_for(lambda: modem.sent_sms, 15, 0.1, "the SMS at the modem")
    [sent] = modem.sent_sms
    assert sent.recipient in ("+989121234567", "989121234567", "09121234567")
    assert sent.text == ("Your car: white Peugeot 405, plate 12 B 345. It arrives in about "
                         "7 minutes.")
    wait_for(lambda: _status(api, sms) in ("sent", "delivered"), 10, 0.1, "the outcome")
    assert api("GET", f"/api/orders/{sms}")["history"][-1]["detail"].startswith("inform: sent")

    # 2. ring on approach: nothing at "assigned", a GSM call at "arriving", hung up after ring_s
    modem.dial_outcome = ("ring", 0.0)  # the customer's phone rings and rings
    ring = _order(api, "ring")
    api("POST", f"/api/orders/{ring}/state", {"state": "assigned", "driver": driver,
                                              "eta_min": 3})
    assert not any(c.startswith("ATD") for c in modem.commands)
    api("POST", f"/api/orders/{ring}/state", {"state": "arriving"})
    wait_for(lambda: f"ATD{CUSTOMER};" in modem.commands or
             "ATD+989121234567;" in modem.commands, 10, 0.1, "the modem to dial")
    wait_for(lambda: _status(api, ring) == "rung", 10, 0.1, "ring on approach to finish")
    assert modem.call is None  # the box hung up: nobody pays for a call
    assert len(modem.sent_sms) == 1

    # 3. the automatic call: answered, the car is spoken, then the box hangs up
    modem.dial_outcome = ("answer", 0.5)
    modem.audio.received.clear()
    spoken = _order(api, "call")
    api("POST", f"/api/orders/{spoken}/state", {"state": "assigned", "driver": driver,
                                                "eta_min": 5})
    wait_for(lambda: _status(api, spoken) == "answered", 40, 0.2, "the call to be spoken")
    pcm = bytes(modem.audio.received)
    samples = list(struct.unpack(f"<{len(pcm) // 2}h", pcm[: len(pcm) // 2 * 2]))
    assert len(samples) > 8000 * 2 and rms(samples) > 0.01  # seconds of speech, not silence
    assert modem.call is None
