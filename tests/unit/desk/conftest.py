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
