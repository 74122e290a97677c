"""Callbacks placed through the outbound router: the line the rules pick (GSM or trunk),
claims between the click and the dial, and the refusal when nothing is free — shown
translated to the desk through the real control socket and web app."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from appliance import events as ev
from appliance.auth import UserStore
from appliance.callback import Callbacks
from appliance.config.model import Config, DispatcherConfig, GsmConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.errors import CallboxError
from appliance.routing.lines import LineBoard
from appliance.routing.rules import Route
from appliance.routing.service import OutboundRouter
from appliance.telephony.ports import Capacity
from calllogic_fakes import make_acd, prompt, states, taxi_queue
from web import create_app

MOBILE = Route(prefix="+98912", lines=("gsm1", "voip"), cost={"gsm1": 1, "voip": 2})


@dataclass
class FakeGsm:
    state: str = "up"
    ready: bool = True

    def status(self) -> dict:
        return {"name": "gsm1", "kind": "gsm", "state": self.state}


@dataclass
class FakeTrunk:
    name: str = "voip"
    max_calls: int = 0


class FakeEngine:
    def __init__(self):
        self.trunks = {"voip": "up"}
        self.calls = 0

    def trunk_state(self, name):
        return self.trunks.get(name, "unregistered")

    def trunk_calls(self, name):
        return self.calls

    def capacity(self):
        return Capacity(4, self.calls)


@pytest.fixture
def parts(bus, control):
    gsm, engine = FakeGsm(), FakeEngine()
    board = LineBoard(lambda: {"gsm1": gsm}, lambda: engine, [FakeTrunk(max_calls=1)])
    router = OutboundRouter([MOBILE], board.snapshot, "IR", names=board.names,
                            monotonic=bus.monotonic)
    acd = make_acd(bus, control, [taxi_queue(wrapup_s=1.0)])
    callbacks = Callbacks(acd, control, bus, prompt, lines=("gsm1",), country="IR",
                          monotonic=bus.monotonic, outbound=router)
    bus.subscribe(callbacks.handle)
    bus.subscribe(router.handle)
    return gsm, engine, router, acd, callbacks


def leg_b_uri(bus, control) -> str:
    a = control.originated()[-1][0]
    bus.publish(ev.LegAnswered(leg_id=a))
    return control.originated()[-1][1]


def test_the_cheapest_free_line_and_the_trunk_when_gsm_is_busy(bus, control, parts):
    gsm, engine, router, acd, callbacks = parts
    callbacks.start("ali", "0912 123 4567")
    assert bus.of(ev.CallPlaced)[-1].line == "gsm1"  # cheaper
    assert leg_b_uri(bus, control) == "gsm:gsm1/+989121234567"
    gsm.state = "busy"  # the customer is on the GSM line now
    callbacks.start("sara", "09121234568")
    assert bus.of(ev.CallPlaced)[-1].line == "voip"
    assert leg_b_uri(bus, control) == "trunk:voip/+989121234568"


def test_a_line_handed_out_is_taken_until_the_callback_dials(bus, control, parts):
    gsm, engine, router, acd, callbacks = parts
    callbacks.start("ali", "09121234567")  # ali's phone rings; gsm1 is claimed
    callbacks.start("sara", "09121234568")
    assert [p.line for p in bus.of(ev.CallPlaced)] == ["gsm1", "voip"]


def test_nothing_free_refuses_and_leaves_the_dispatcher_free(bus, control, parts):
    gsm, engine, router, acd, callbacks = parts
    gsm.state, engine.trunks["voip"] = "no-signal", "unregistered"
    with pytest.raises(CallboxError) as err:
        callbacks.start("ali", "09121234567")
    assert err.value.msgid == "no line is free to call %(number)s (%(lines)s)"
    assert "gsm1 no-signal, voip unregistered" in str(err.value)
    assert states(acd)["ali"] == "available" and control.originated() == []


def test_a_trunk_at_its_max_calls_is_not_free(bus, control, parts):
    gsm, engine, router, acd, callbacks = parts
    gsm.state, engine.calls = "busy", 1  # voip has max_calls = 1, one call up
    with pytest.raises(CallboxError, match="voip full"):
        callbacks.start("ali", "09121234567")


# ------------------------------------------------------------ shown to the desk

@pytest.fixture
def refusing_core(tmp_path, bus, control, parts):
    gsm, engine, router, acd, callbacks = parts
    gsm.state, engine.trunks["voip"] = "busy", "unregistered"

    def call_back(args):
        return {"call_id": callbacks.start(args["dispatcher"], args["number"])}
    server = ControlServer(socket_path(tmp_path), lambda: {"lines": [], "dispatchers": []},
                           {"call_back": call_back})
    server.start()
    yield
    server.stop()


def test_the_refusal_reaches_the_desk_in_its_language(tmp_path, refusing_core):
    config = Config(office=OfficeConfig(name="Test Taxi", language="fa",
                                        timezone="Asia/Tehran", country="IR"),
                    dispatcher=[DispatcherConfig("ali", "101", "sip:101@127.0.0.1:5071")],
                    gsm=[GsmConfig("gsm1", "/dev/ttyUSB0")])
    app = create_app(config, tmp_path)
    UserStore(tmp_path).add_user("ali", "correct horse", "dispatcher", dispatcher="ali")
    client = app.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"',
                     client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "ali", "password": "correct horse", "csrf": csrf})
    response = client.post("/api/callbacks", json={"number": "09121234567"})
    assert response.status_code == 409
    message = response.json["message"]
    assert "هیچ خط آزادی برای تماس با" in message and "gsm1 busy, voip unregistered" in message
