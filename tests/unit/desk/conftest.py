"""Desk stores over a real SQLite file (WAL, migrated) with a hand-set clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from appliance.desk.customers import Customers
from appliance.desk.drivers import Drivers
from appliance.desk.orders import Orders
from appliance.desk.streets import Streets
from appliance.store.db import open_db


class FakeClock:
    def __init__(self):
        self.now = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def conn(tmp_path):
    conn = open_db(tmp_path / "callbox.sqlite3")
    yield conn
    conn.close()


@pytest.fixture
def customers(conn, clock) -> Customers:
    return Customers(conn, "IR", clock)


@pytest.fixture
def orders(conn, clock) -> Orders:
    return Orders(conn, "IR", city="Tehran", lead_min=15, now=clock)


@pytest.fixture
def drivers(conn) -> Drivers:
    return Drivers(conn)


@pytest.fixture
def streets(conn) -> Streets:
    return Streets(conn)


# ---------------------------------------------------------------- the web side
import re  # noqa: E402

from appliance.auth import UserStore  # noqa: E402
from appliance.config.model import (Config, DeskConfig, DispatcherConfig,  # noqa: E402
                                    GsmConfig, OfficeConfig)
from appliance.control import ControlServer, socket_path  # noqa: E402
from web import create_app  # noqa: E402

PASSWORD = "correct horse"


class FakeDeskCore:
    """The core's desk actions: whose call rings (set by a test) and the changes heard."""

    def __init__(self):
        self.calls: dict[str, dict] = {}
        self.colleagues: dict[str, dict] = {}  # a call with another dispatcher's phone
        self.changes: list[dict] = []

    def desk(self, args: dict) -> dict:
        call = self.calls.get(args["dispatcher"])
        colleague = self.colleagues.get(args["dispatcher"])
        state = call["state"] if call else colleague["state"] if colleague else "idle"
        return {"state": state, "call": call, "colleague": colleague}

    def desk_changed(self, args: dict) -> dict:
        self.changes.append(args)
        return {"ok": True}


@pytest.fixture
def desk_core(tmp_path):
    core = FakeDeskCore()
    server = ControlServer(socket_path(tmp_path), lambda: {},
                           {"desk": core.desk, "desk_changed": core.desk_changed})
    server.start()
    yield core
    server.stop()


@pytest.fixture
def app(tmp_path, desk_core):
    config = Config(office=OfficeConfig(name="Test Taxi", language="en", timezone="Asia/Tehran",
                                        country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "sip:101@127.0.0.1"),
                                DispatcherConfig("Boris", "102", "sip:102@127.0.0.1")],
                    gsm=[GsmConfig("gsm1", "/dev/ttyUSB0")], desk=DeskConfig(city="Tehran"))
    return create_app(config, tmp_path)


@pytest.fixture
def users(tmp_path) -> UserStore:
    return UserStore(tmp_path)


def _login(client, name: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": name, "password": PASSWORD, "csrf": csrf})
    assert answer.status_code == 302, answer.get_data(as_text=True)


@pytest.fixture
def signed_in(app, users):
    """signed_in(name, role, dispatcher="") -> a test client with a session."""
    def make(name: str, role: str, dispatcher: str = ""):
        users.add_user(name, PASSWORD, role, dispatcher=dispatcher)
        client = app.test_client()
        _login(client, name)
        return client
    return make


@pytest.fixture
def client(signed_in):
    return signed_in("anna", "dispatcher")
