"""POST /api/calls/<id>/transfer, /transfer/complete, /transfer/cancel: who may, what
reaches the core, and the core's refusals shown translated. A real web app over a temp
data dir and a real control socket with a recording core."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from appliance.auth import UserStore
from appliance.config.model import Config, DispatcherConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.errors import CallboxError
from appliance.i18n import N_
from web import create_app

PASSWORD = "correct horse"


@dataclass
class RecordingCore:
    asked: list[tuple[str, dict]] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)

    def status(self) -> dict:
        return {"lines": [], "transfers": self.transfers,
                "dispatchers": [{"name": "anna", "state": "busy", "on_call": "c1"},
                                {"name": "boris", "state": "available", "on_call": None}]}

    def action(self, name: str):
        def run(args: dict) -> dict:
            self.asked.append((name, args))
            if args.get("to") == "carla":
                raise CallboxError(N_("no dispatcher %(name)s"), name="carla")
            return {"call_id": args["call_id"], "state": "ringing-blind"}
        return run


@pytest.fixture
def core(tmp_path):
    recording = RecordingCore()
    server = ControlServer(socket_path(tmp_path), recording.status,
                           {n: recording.action(n) for n in
                            ("transfer", "transfer_complete", "transfer_cancel")})
    server.start()
    yield recording
    server.stop()


@pytest.fixture
def app(tmp_path):
    config = Config(office=OfficeConfig(name="Test Taxi", language="en", timezone="Asia/Tehran",
                                        country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "local"),
                                DispatcherConfig("boris", "102", "local")])
    return create_app(config, tmp_path)


@pytest.fixture
def user(app, tmp_path):
    users = UserStore(tmp_path)

    def make(name: str, role: str):
        users.add_user(name, PASSWORD, role, dispatcher=name if role == "dispatcher" else "")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"username": name, "password": PASSWORD,
                                           "csrf": csrf}).status_code == 302
        return client
    return make


def test_a_dispatcher_transfers_their_own_call_and_no_one_elses(core, user):
    anna = user("anna", "dispatcher")
    sent = anna.post("/api/calls/c1/transfer", json={"to": "boris", "mode": "attended"})
    assert sent.status_code == 200 and sent.json["result"]["state"] == "ringing-blind"
    assert core.asked == [("transfer", {"call_id": "c1", "to": "boris", "mode": "attended"})]
    boris = user("boris", "dispatcher")
    assert boris.post("/api/calls/c1/transfer", json={"to": "anna"}).status_code == 403
    assert boris.post("/api/calls/c1/transfer/cancel", json={}).status_code == 403
    assert len(core.asked) == 1


def test_while_it_moves_the_one_transferring_may_complete_or_cancel(core, user):
    core.transfers.append({"call_id": "c1", "from": "anna", "to": "boris", "mode": "attended",
                           "state": "consulting"})
    anna = user("anna", "dispatcher")
    assert anna.post("/api/calls/c1/transfer/complete", json={}).status_code == 200
    assert anna.post("/api/calls/c1/transfer/cancel", json={}).status_code == 200
    assert [name for name, _ in core.asked] == ["transfer_complete", "transfer_cancel"]


def test_supervisors_any_call_technicians_none(core, user):
    sup = user("sam", "supervisor")
    assert sup.post("/api/calls/c1/transfer", json={"to": "boris"}).status_code == 200
    tech = user("tina", "technician")
    assert tech.post("/api/calls/c1/transfer", json={"to": "boris"}).status_code == 403


def test_bad_bodies_forms_and_refusals(core, user):
    sup = user("sam", "supervisor")
    assert sup.post("/api/calls/c1/transfer", json={"to": "boris", "mode": "x"}).status_code == 400
    assert sup.post("/api/calls/c1/transfer", json={}).status_code == 400
    # a session's write must be JSON: a cross-site form cannot send it
    assert sup.post("/api/calls/c1/transfer", data={"to": "boris"}).status_code == 415
    refused = sup.post("/api/calls/c1/transfer", json={"to": "carla"})
    assert refused.status_code == 409 and refused.json["message"] == "no dispatcher carla"
    assert len(core.asked) == 1
