"""Self-service in the menu against the desk's real SelfService (SQLite on disk) and the
real espeak-ng: a known caller presses 7, hears their last pickup address, presses 1 and
an order is placed with the call's id; an unknown caller gets the normal menu."""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from appliance import events as ev  # noqa: E402
from appliance.desk.selfservice import SelfService  # noqa: E402
from appliance.desk.service import DeskService  # noqa: E402
from appliance.flow import CallFlow  # noqa: E402
from appliance.ivr.menu import MenuTree  # noqa: E402
from appliance.ivr.selfservice import SelfServiceFlow  # noqa: E402
from appliance.prompts.audio import check_telephone_wav  # noqa: E402
from appliance.prompts.tts import EspeakSynthesizer  # noqa: E402
from calllogic_fakes import FakeControl, ManualBus, make_acd, office_ivr, prompt, taxi_queue  # noqa: E402

KNOWN, STRANGER = "+989121234567", "+989359999999"


def office(tmp_path):
    bus, control = ManualBus(), FakeControl()
    db = tmp_path / "callbox.sqlite3"
    with DeskService(db, "IR").orders() as orders:
        orders.create({"number": "09121234567", "pickup": "Vanak Square 12", "city": "Tehran"},
                      "anna")
    cfg = office_ivr()
    cfg.menus[0].options["7"] = "self_order"
    acd = make_acd(bus, control, [taxi_queue(), taxi_queue(name="office")])
    flow = CallFlow(MenuTree(cfg, ZoneInfo("Asia/Tehran")), acd, control, prompt, bus)
    synth, spoken = EspeakSynthesizer(), []

    def speak(text, out):
        spoken.append(text)
        synth.synthesize(text, "en-us", out)
    flow.selfservice = SelfServiceFlow(SelfService(db, "IR"), speak, control, bus,
                                       lambda fn: fn(), flow.start_menu, tmp_path / "calls", "en")
    bus.subscribe(flow.handle)
    return bus, control, db, spoken


def call(bus, call_id, caller):
    bus.publish(ev.CallOffered(call_id=call_id, line="sip", kind="sip", caller=caller,
                               caller_raw=caller))
    bus.publish(ev.CallAnswered(call_id=call_id))
    bus.publish(ev.DtmfReceived(call_id=call_id, digit="7", method="rfc2833"))


def test_a_known_caller_orders_to_their_last_address(tmp_path):
    bus, control, db, spoken = office(tmp_path)
    call(bus, "c1", KNOWN)
    assert "Vanak Square 12, Tehran" in spoken[0]
    offer_wav = control.last_play("c1").files[0]
    check_telephone_wav(offer_wav)  # spoken for this call, 8 kHz mono
    bus.publish(ev.DtmfReceived(call_id="c1", digit="1", method="rfc2833"))
    with DeskService(db, "IR").orders() as orders:
        placed = [o for o in orders.list(limit=10) if o.get("call_id") == "c1"]
    assert len(placed) == 1 and placed[0]["pickup"] == "Vanak Square 12"
    assert f"order number {placed[0]['id']}" in spoken[1]


def test_an_unknown_caller_gets_the_normal_menu(tmp_path):
    bus, control, _, spoken = office(tmp_path)
    call(bus, "c2", STRANGER)
    assert spoken == [] and control.last_play("c2").files == (prompt("main_menu"),)
