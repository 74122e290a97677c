"""The "Call back" buttons and POST /api/callbacks: a dispatcher calls back as themselves,
supervisors and admins pick the dispatcher; refusals from the core are shown as they are.
A real web app over a temp data dir, a real control socket with a recording core."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from appliance.auth import UserStore
from appliance.config.model import Config, DispatcherConfig, GsmConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.errors import CallboxError
from appliance.store.db import db_path, open_db
from appliance.store.messages import MessageStore
from web import create_app

PASSWORD = "correct horse"


@dataclass
class RecordingCore:
    calls: list[dict] = field(default_factory=list)
    refuse: str = ""

    def call_back(self, args: dict) -> dict:
        self.calls.append(args)
        if self.refuse:
            raise CallboxError(self.refuse)
        return {"call_id": f"cb{len(self.calls)}"}


@pytest.fixture
def core(tmp_path):
    recording = RecordingCore()
    server = ControlServer(socket_path(tmp_path), lambda: {"lines": [], "dispatchers": []},
                           {"call_back": recording.call_back})
    server.start()
    yield recording
    server.stop()


@pytest.fixture
def app(tmp_path):
    config = Config(office=OfficeConfig(name="Test Taxi", language="en", timezone="Asia/Tehran",
                                        country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "local"),
                                DispatcherConfig("boris", "102", "local")],
                    gsm=[GsmConfig("gsm1", "/dev/ttyUSB0")])
    return create_app(config, tmp_path)


@pytest.fixture
def user(app, tmp_path):
    """user(name, role) -> a test client signed in with a session."""
    users = UserStore(tmp_path)

    def make(name: str, role: str):
        # a dispatcher's user is linked to the dispatcher of the same name here
        users.add_user(name, PASSWORD, role,
                       dispatcher=name if role == "dispatcher" else "")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        signed = client.post("/login", data={"username": name, "password": PASSWORD,
                                             "csrf": csrf})
        assert signed.status_code == 302
        return client
    return make


@pytest.fixture
def token(app, tmp_path):
    """token(role) -> (client, headers) with an API token."""
    users = UserStore(tmp_path)
    return lambda role: (app.test_client(),
                         {"Authorization": f"Bearer {users.create_token(role)}"})


def seed_calls(tmp_path) -> None:
    rows = [("c1", "in", "gsm1", "+989121234567", ""), ("c2", "in", "trunk", "withheld", ""),
            ("c3", "out", "gsm1", "gsm1", "+989351112233"),
            ("c4", "in", "trunk", "+79161234567", "")]
    conn = open_db(db_path(tmp_path))
    try:
        for i, (call_id, direction, line, caller, callee) in enumerate(rows):
            conn.execute("INSERT INTO calls (call_id, direction, line, caller, caller_raw, callee,"
                         " started_at, ended_at, disposition) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (call_id, direction, line, caller, caller, callee,
                          f"2026-11-27T08:0{i}:00.000000Z", f"2026-11-27T08:0{i}:30.000000Z",
                          "answered"))
    finally:
        conn.close()


def buttons(html: str) -> dict[str, tuple[str, str]]:
    """data-id of each row -> (number, line) of its Call back button."""
    out = {}
    for row_id, body in re.findall(r'<tr data-id="(\d+)"[^>]*>(.*?)</tr>', html, re.S):
        found = re.search(r'class="callback-btn" data-number="([^"]*)" data-line="([^"]*)"', body)
        if found:
            out[row_id] = found.groups()
    return out


# ------------------------------------------------------------------ the API

def test_a_dispatcher_calls_back_as_themselves(user, core):
    anna = user("anna", "dispatcher")
    response = anna.post("/api/callbacks", json={"number": "09121234567"})
    assert response.status_code == 200
    assert response.json == {"ok": True, "result": {"call_id": "cb1"}}
    with_line = anna.post("/api/callbacks", json={"number": " +989121234567 ", "line": "gsm1",
                                                   "dispatcher": "anna"})
    assert with_line.status_code == 200
    assert core.calls == [{"dispatcher": "anna", "number": "09121234567"},
                          {"dispatcher": "anna", "number": "+989121234567", "line": "gsm1"}]


def test_a_dispatcher_cannot_ring_someone_elses_phone(user, token, core):
    anna = user("anna", "dispatcher")
    other = anna.post("/api/callbacks", json={"number": "09121234567", "dispatcher": "boris"})
    assert other.status_code == 403 and other.json["error"] == "forbidden"
    assert "only as themselves" in other.json["message"]
    tech = user("boris", "technician")  # the name is not enough: the role counts
    assert tech.post("/api/callbacks", json={"number": "0912"}).status_code == 403
    client, headers = token("dispatcher")  # a token is nobody in particular
    assert client.post("/api/callbacks", json={"number": "0912", "dispatcher": "anna"},
                       headers=headers).status_code == 403
    assert core.calls == []


def test_supervisors_admins_and_their_tokens_choose_the_dispatcher(user, token, core):
    sam = user("sam", "supervisor")
    assert sam.post("/api/callbacks", json={"number": "0912", "dispatcher": "boris"}).json == \
        {"ok": True, "result": {"call_id": "cb1"}}
    missing = sam.post("/api/callbacks", json={"number": "0912"})
    assert missing.status_code == 400 and "dispatcher" in missing.json["message"]
    client, headers = token("admin")
    assert client.post("/api/callbacks", json={"number": "0912", "dispatcher": "anna"},
                       headers=headers).status_code == 200
    assert [c["dispatcher"] for c in core.calls] == ["boris", "anna"]


def test_bad_requests_are_refused_before_the_core(user, core):
    anna = user("anna", "dispatcher")
    for body in ({}, {"number": ""}, {"number": 912}, {"number": "0912", "line": 1}):
        response = anna.post("/api/callbacks", json=body)
        assert response.status_code == 400, body
        assert response.json["error"] == "bad_request"
    as_form = anna.post("/api/callbacks", data={"number": "0912"})  # not JSON: no forged writes
    assert as_form.status_code == 415
    assert core.calls == []


def test_the_cores_refusal_reaches_the_caller_word_for_word(user, core):
    core.refuse = "dispatcher anna is on a call; a callback needs them free"
    response = user("anna", "dispatcher").post("/api/callbacks", json={"number": "0912"})
    assert response.status_code == 409
    assert response.json["error"] == "action_failed"
    assert response.json["message"] == "dispatcher anna is on a call; a callback needs them free"


def test_core_down_is_a_503(user):
    response = user("anna", "dispatcher").post("/api/callbacks", json={"number": "0912"})
    assert response.status_code == 503 and response.json["error"] == "core_down"


def test_the_api_needs_a_login(app):
    response = app.test_client().post("/api/callbacks", json={"number": "0912"})
    assert response.status_code == 401


# ------------------------------------------------------------------ the buttons

def test_call_log_rows_have_a_button_for_the_customers_number(user, tmp_path):
    seed_calls(tmp_path)
    html = user("anna", "dispatcher").get("/calls").get_data(as_text=True)
    ids = dict(re.findall(r'<tr data-id="(\d+)"[^>]*>.*?<td class="num"><bdi dir="ltr">([^<]*)',
                          html, re.S))
    by_caller = {caller: buttons(html).get(row_id) for row_id, caller in ids.items()}
    # numbers shown as the office writes them (national for Iran), dialled as stored
    assert by_caller == {"0912 123 4567": ("+989121234567", "gsm1"),  # back on its own line
                         "withheld": None,  # nothing to call
                         "gsm1": ("+989351112233", "gsm1"),  # an outbound call: the callee
                         "+7 916 123-45-67": ("+79161234567", "")}  # a SIP call: the core picks
    settings = json.loads(re.search(r'<script type="application/json" id="callback-settings">'
                                    r'(.*?)</script>', html, re.S).group(1))
    assert (settings["url"], settings["as"]) == ("/api/callbacks", "anna")
    assert 'id="callback-as"' not in html  # a dispatcher does not choose


def test_supervisors_pick_the_dispatcher_and_technicians_get_no_buttons(user, tmp_path):
    seed_calls(tmp_path)
    html = user("sam", "supervisor").get("/calls").get_data(as_text=True)
    select = re.search(r'<select id="callback-as">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "anna", "boris"]
    assert len(buttons(html)) == 3
    for name, role in (("tina", "technician"), ("zoe", "dispatcher")):  # zoe has no phone here
        page = user(name, role).get("/calls").get_data(as_text=True)
        assert buttons(page) == {} and "callback.js" not in page


def test_message_rows_have_a_button_too(user, tmp_path):
    store = MessageStore(db_path(tmp_path),
                         clock=lambda: datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc))
    store.add_incoming("gsm1", "+989121234567", "Taxi to Vanak please")
    store.close()
    html = user("anna", "dispatcher").get("/messages").get_data(as_text=True)
    assert list(buttons(html).values()) == [("+989121234567", "gsm1")]
    assert "☎ Call back" in html
