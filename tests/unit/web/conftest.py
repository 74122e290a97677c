"""A fresh web app per test over real parts: a temp data dir with a real SQLite call
log and users.json, a real ControlServer on a Unix socket fed by a real EventBus."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from appliance.auth import UserStore
from appliance.config.model import Config, DispatcherConfig, GsmConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.errors import CallboxError
from appliance.events import DispatcherStateChanged, EventBus
from appliance.store.db import db_path, open_db
from web import create_app, make_server

PASSWORD = "correct horse"


@dataclass
class FakeCore:
    """What the core would report, changeable by a test; records the actions it ran.
    Pausing behaves like the real core: it changes the status and, when the state
    changes, publishes DispatcherStateChanged on the bus (set ``bus`` to see it)."""

    status: dict[str, Any] = field(default_factory=lambda: {
        "version": "1.2.3",
        "lines": [{"name": "gsm1", "kind": "gsm", "state": "idle"},
                  {"name": "trunk", "kind": "sip", "state": "up"}],
        "dispatchers": [{"name": "anna", "state": "available", "pause_pending": False},
                        {"name": "boris", "state": "busy", "pause_pending": False}],
        "queues": [{"name": "taxi", "waiting": []}],
        "in_menu": [{"call_id": "c9", "caller": "+989351112233", "menu": "main"}],
        "lamps": [{"name": "anna", "pin": 17, "state": "off"},
                  {"name": "queue", "pin": 22, "state": "blink"}],
        "capacity": {"total": 8, "used": 1},
        "alarms": [],
    })
    actions: list[tuple[str, dict]] = field(default_factory=list)
    bus: EventBus | None = None
    refuse_sms: str = ""  # when set, send_sms fails with this message

    def get_status(self) -> dict[str, Any]:
        return self.status

    def pause(self, args: dict) -> str:
        if "dispatcher" not in args:
            raise ValueError("dispatcher is required")
        agent = next((d for d in self.status["dispatchers"] if d["name"] == args["dispatcher"]),
                     None)
        if agent is None:
            raise CallboxError(f"no dispatcher named {args['dispatcher']!r}")
        self.actions.append(("pause", args))
        paused, before = bool(args.get("paused", True)), agent["state"]
        if before in ("busy", "ringing"):
            agent["pause_pending"] = paused  # takes effect when the call ends
        elif paused or before == "paused":
            agent["state"] = "paused" if paused else "available"
        if agent["state"] != before and self.bus is not None:
            self.bus.publish(DispatcherStateChanged(agent["name"], agent["state"], before))
        return agent["state"]

    def send_sms(self, args: dict) -> dict:
        self.actions.append(("send_sms", args))
        if self.refuse_sms:
            raise CallboxError(self.refuse_sms)
        return {"id": len(self.actions)}

    def callers(self, args: dict) -> dict:
        self.actions.append(("callers", args))
        self.status.setdefault("demo", {})["callers"] = bool(args["enabled"])
        return self.status["demo"]


def make_config(language: str = "en") -> Config:
    return Config(office=OfficeConfig(name="Test Taxi", language=language,
                                      timezone="Asia/Tehran", country="IR"),
                  dispatcher=[DispatcherConfig("anna", "101", "local"),
                              DispatcherConfig("boris", "102", "local")],
                  gsm=[GsmConfig("gsm1", "/dev/ttyUSB0")])


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def bus():
    bus = EventBus()
    bus.start()
    yield bus
    bus.stop()


@pytest.fixture
def core(bus) -> FakeCore:
    return FakeCore(bus=bus)


@pytest.fixture
def control_server(data_dir, bus, core):
    actions = {"pause": core.pause, "send_sms": core.send_sms, "callers": core.callers}
    server = ControlServer(socket_path(data_dir), core.get_status, actions, heartbeat_s=0.5)
    bus.subscribe(server.handle_event)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(data_dir):
    return create_app(make_config(), data_dir)


@pytest.fixture
def users(data_dir) -> UserStore:
    return UserStore(data_dir)


def _login(client, name: str, password: str = PASSWORD, next_url: str = ""):
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    url = f"/login?next={next_url}" if next_url else "/login"
    return client.post(url, data={"username": name, "password": password, "csrf": csrf})


@pytest.fixture
def login():
    """login(client, name, password=PASSWORD, next_url="") -> the POST /login response."""
    return _login


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_app(data_dir):
    """make_app(language="en", **create_app_kwargs) -> a new app over the same data dir."""
    return lambda language="en", **kw: create_app(make_config(language), data_dir, **kw)


@pytest.fixture
def supervisor(app, users):
    """A test client signed in as a supervisor."""
    users.add_user("sam", PASSWORD, "supervisor")
    client = app.test_client()
    assert _login(client, "sam").status_code == 302
    return client


@pytest.fixture
def signed_in(app, users):
    """signed_in(name, role, dispatcher="") -> a test client with a session of a new
    user (linked to ``dispatcher``, if given)."""
    def make(name: str, role: str, dispatcher: str = ""):
        users.add_user(name, PASSWORD, role, dispatcher=dispatcher)
        client = app.test_client()
        assert _login(client, name).status_code == 302
        return client
    return make


@pytest.fixture
def token_client(app, users):
    """token_client(role) -> (client, headers) for API calls with a Bearer token."""
    def make(role: str):
        return app.test_client(), {"Authorization": f"Bearer {users.create_token(role)}"}
    return make


@pytest.fixture
def csrf():
    """csrf(client, url) -> the CSRF token of the form on that page."""
    def token(client, url: str) -> str:
        page = client.get(url).get_data(as_text=True)
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return token


CALL_COLUMNS = ("call_id", "direction", "line", "caller", "caller_raw", "callee", "started_at",
                "answered_at", "ended_at", "ivr_path", "queue", "wait_s", "dispatcher",
                "disposition", "hangup_cause")


def _insert_calls(data_dir: Path, rows: list[dict[str, Any]]) -> None:
    conn = open_db(db_path(data_dir))
    try:
        for i, row in enumerate(rows):
            full = {c: None for c in CALL_COLUMNS}
            full.update({"call_id": f"c{i}", "direction": "in", "line": "gsm1",
                         "caller": "+982100000000", "caller_raw": row.get("caller", ""),
                         "callee": "", "ivr_path": ""})
            full.update(row)
            conn.execute(f"INSERT INTO calls ({', '.join(CALL_COLUMNS)}) VALUES "
                         f"({', '.join('?' * len(CALL_COLUMNS))})",
                         [full[c] for c in CALL_COLUMNS])
    finally:
        conn.close()


@pytest.fixture
def seed_calls(data_dir):
    """seed_calls([{column: value}, ...]): write call records straight into SQLite,
    as the core's call log does (call_id, line, ... get defaults)."""
    return lambda rows: _insert_calls(data_dir, rows)


@pytest.fixture
def live_server(app):
    """The app under waitress on 127.0.0.1, a free port; yields the base URL.
    SSE keepalives every 0.2 s and core retries every 0.1 s keep the tests quick."""
    context = app.extensions["callbox"]
    context.sse_heartbeat_s = 0.2  # streams notice a closed browser at their next write
    context.sse_retry_s = 0.1
    server = make_server(app, "127.0.0.1", 0, threads=6)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    _drain_streams(context)
    server.close()


def _drain_streams(context, timeout: float = 3.0) -> None:
    """Let SSE streams of closed clients end before the server goes (no writes after close)."""
    deadline = time.monotonic() + timeout
    while context.streams.used and time.monotonic() < deadline:
        time.sleep(0.02)
