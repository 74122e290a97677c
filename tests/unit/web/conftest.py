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
from appliance.config.model import Config, DispatcherConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.errors import CallboxError
from appliance.events import EventBus
from appliance.store.db import db_path, open_db
from web import create_app, make_server

PASSWORD = "correct horse"


@dataclass
class FakeCore:
    """What the core would report, changeable by a test; records the actions it ran."""

    status: dict[str, Any] = field(default_factory=lambda: {
        "lines": [{"name": "gsm1", "kind": "gsm", "state": "idle"},
                  {"name": "trunk", "kind": "sip", "state": "up"}],
        "dispatchers": [{"name": "anna", "state": "available"},
                        {"name": "boris", "state": "busy"}],
        "queues": [{"name": "taxi", "waiting": []}],
        "lamps": [{"name": "anna", "pin": 17, "state": "off"},
                  {"name": "queue", "pin": 22, "state": "blink"}],
    })
    actions: list[tuple[str, dict]] = field(default_factory=list)

    def get_status(self) -> dict[str, Any]:
        return self.status

    def pause(self, args: dict) -> dict:
        if "dispatcher" not in args:
            raise ValueError("dispatcher is required")
        if args["dispatcher"] == "ghost":
            raise CallboxError("no dispatcher named ghost")
        self.actions.append(("pause", args))
        return {"paused": args["dispatcher"]}


def make_config(language: str = "en") -> Config:
    return Config(office=OfficeConfig(name="Test Taxi", language=language,
                                      timezone="Asia/Tehran", country="IR"),
                  dispatcher=[DispatcherConfig("anna", "101", "local"),
                              DispatcherConfig("boris", "102", "local")])


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
def core() -> FakeCore:
    return FakeCore()


@pytest.fixture
def control_server(data_dir, bus, core):
    server = ControlServer(socket_path(data_dir), core.get_status, {"pause": core.pause},
                           heartbeat_s=0.5)
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
    """make_app(language="en") -> a new app over the same data dir."""
    return lambda language="en": create_app(make_config(language), data_dir)


@pytest.fixture
def supervisor(app, users):
    """A test client signed in as a supervisor."""
    users.add_user("sam", PASSWORD, "supervisor")
    client = app.test_client()
    assert _login(client, "sam").status_code == 302
    return client


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
