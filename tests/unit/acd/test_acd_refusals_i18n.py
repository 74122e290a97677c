"""The queue's refusals are msgids: a dispatcher who is not free cannot take a callback,
and the desk shows why in its reader's language — through the real control socket and
web app (issue #11)."""

from __future__ import annotations

import re

import pytest

from appliance.acd.agents import AgentState
from appliance.auth import UserStore
from appliance.callback import Callbacks
from appliance.config.model import Config, DispatcherConfig, GsmConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.errors import CallboxError
from calllogic_fakes import PHONES, leg_to, make_acd, prompt, states, taxi_queue
from web import create_app


@pytest.fixture
def busy_ali(bus, control):
    """ali talks to a queue caller; sara is free."""
    acd = make_acd(bus, control, [taxi_queue()])
    callbacks = Callbacks(acd, control, bus, prompt, lines=("gsm1",), country="IR",
                          monotonic=bus.monotonic)
    bus.subscribe(callbacks.handle)
    acd.enqueue("c1", "taxi", "+989350000000")
    acd.leg_answered(leg_to(control, "ali"))
    assert states(acd)["ali"] == AgentState.BUSY
    return acd, callbacks


def test_the_refusal_is_a_msgid_with_the_name_as_param(busy_ali):
    acd, callbacks = busy_ali
    with pytest.raises(CallboxError) as err:
        callbacks.start("ali", "09121234567")
    assert err.value.msgid == "dispatcher %(name)s is on a call; a callback needs them free"
    assert err.value.params == {"name": "ali"}
    assert str(err.value) == "dispatcher ali is on a call; a callback needs them free"
    with pytest.raises(CallboxError) as unknown:
        acd.reserve("zoe", "leg-x")
    assert unknown.value.msgid == "no dispatcher named %(name)s"


@pytest.fixture
def desk(tmp_path, busy_ali):
    acd, callbacks = busy_ali

    def call_back(args):
        return {"call_id": callbacks.start(args["dispatcher"], args["number"])}
    server = ControlServer(socket_path(tmp_path), lambda: {"lines": [], "dispatchers": []},
                           {"call_back": call_back})
    server.start()
    config = Config(office=OfficeConfig(name="Test Taxi", language="en",
                                        timezone="Asia/Tehran", country="IR"),
                    dispatcher=[DispatcherConfig("ali", "101", PHONES["ali"])],
                    gsm=[GsmConfig("gsm1", "/dev/ttyUSB0")])
    app = create_app(config, tmp_path)
    users = UserStore(tmp_path)
    users.add_user("ali-fa", "correct horse", "dispatcher", dispatcher="ali", language="fa")
    users.add_user("ali-ru", "correct horse", "dispatcher", dispatcher="ali", language="ru")
    yield app
    server.stop()


def _signed_in(app, name: str):
    client = app.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"',
                     client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": name, "password": "correct horse", "csrf": csrf})
    return client


@pytest.mark.parametrize("user, words", [
    ("ali-fa", "اپراتور \u2068ali\u2069 در حال مکالمه است؛ برای تماس برگشتی"),
    ("ali-ru", "диспетчер ali разговаривает; для обратного звонка диспетчер должен быть свободен"),
])
def test_a_busy_dispatcher_reads_why_in_their_language(desk, user, words):
    response = _signed_in(desk, user).post("/api/callbacks", json={"number": "09121234567"})
    assert response.status_code == 409
    assert words in response.json["message"]
    assert "a callback needs them free" not in response.json["message"]
