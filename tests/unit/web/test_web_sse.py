"""GET /api/events over real HTTP (waitress on 127.0.0.1): core events reach the browser."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

import pytest

from appliance.control import ControlServer, socket_path
from appliance.events import CallQueued, DispatcherStateChanged
from web.context import EXTENSION


class SseReader:
    """Reads one SSE response event by event (comments reported as ``(":", text)``)."""

    def __init__(self, base_url: str, token: str | None):
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        headers = {"Accept": "text/event-stream"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn.request("GET", "/api/events", headers=headers)
        self.response = self.conn.getresponse()

    def next(self) -> tuple[str, object]:
        fields: dict[str, str] = {}
        while True:
            line = self.response.readline().decode("utf-8")
            if not line:
                raise EOFError("stream ended")
            line = line.rstrip("\n")
            if line == "":
                if fields:
                    data = fields.get("data")
                    return fields.get("event", "message"), json.loads(data) if data else None
                continue
            if line.startswith(":"):
                return ":", line[1:].strip()
            key, _, value = line.partition(":")
            fields[key] = value.lstrip(" ")

    def next_named(self, timeout: float = 2.0) -> tuple[str, object]:
        """The next real event, skipping comments and the retry hint."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            name, data = self.next()
            if name not in (":", "message"):
                return name, data
        raise AssertionError("no event in time")

    def close(self) -> None:
        self.response.close()  # the response holds the socket open until closed too
        self.conn.close()


@pytest.fixture
def token(users):
    return users.create_token("dispatcher", label="sse test")


@pytest.fixture
def open_stream(live_server, token):
    readers = []

    def _open(with_token: bool = True, other: str | None = None) -> SseReader:
        reader = SseReader(live_server, other or (token if with_token else None))
        readers.append(reader)
        return reader

    yield _open
    for reader in readers:
        reader.close()


def _wait_for_subscribers(server, n: int) -> None:
    deadline = time.monotonic() + 2
    while server.subscriber_count < n:
        assert time.monotonic() < deadline, "the web never subscribed to the core"
        time.sleep(0.005)


def test_events_need_auth(open_stream):
    reader = open_stream(with_token=False)
    assert reader.response.status == 401
    assert json.loads(reader.response.read())["error"] == "unauthorized"


def test_a_bus_event_reaches_the_browser_within_a_second(open_stream, control_server, bus):
    reader = open_stream()
    assert reader.response.status == 200
    assert reader.response.getheader("Content-Type").startswith("text/event-stream")
    _wait_for_subscribers(control_server, 1)
    started = time.monotonic()
    bus.publish(DispatcherStateChanged("anna", "ringing", "available"))
    name, data = reader.next_named()
    assert time.monotonic() - started < 1.0
    assert name == "DispatcherStateChanged"
    assert data["dispatcher"] == "anna" and data["state"] == "ringing"
    bus.publish(CallQueued("c1", "taxi", "+989121234567"))
    name, data = reader.next_named()
    assert (name, data["caller"]) == ("CallQueued", "+989121234567")


def test_each_browser_gets_its_own_subscription(open_stream, control_server, bus, users):
    # two people (one user may hold only part of the few slots of this small server)
    first, second = open_stream(), open_stream(other=users.create_token("supervisor"))
    _wait_for_subscribers(control_server, 2)
    bus.publish(DispatcherStateChanged("boris", "paused", "available"))
    assert first.next_named()[0] == second.next_named()[0] == "DispatcherStateChanged"


def test_core_down_and_back_up_is_announced(app, data_dir, open_stream, control_server, bus,
                                            core):
    reader = open_stream()
    _wait_for_subscribers(control_server, 1)
    control_server.stop()
    assert reader.next_named()[0] == "CoreDown"
    restarted = ControlServer(socket_path(data_dir), core.get_status, {}, heartbeat_s=0.5)
    bus.subscribe(restarted.handle_event)
    restarted.start()
    try:
        assert reader.next_named()[0] == "CoreUp"
        _wait_for_subscribers(restarted, 1)
        bus.publish(DispatcherStateChanged("anna", "busy", "ringing"))
        assert reader.next_named()[0] == "DispatcherStateChanged"
    finally:
        restarted.stop()


def test_stream_starts_with_core_down_when_there_is_no_core(open_stream):
    reader = open_stream()
    name, data = reader.next_named()
    assert name == "CoreDown" and "not running" in data["message"]


def test_idle_stream_sends_keepalive_comments(open_stream, control_server):
    reader = open_stream()
    started = time.monotonic()
    assert (":", "keepalive") in [reader.next() for _ in range(2)]  # after the retry hint
    assert time.monotonic() - started < 1.0


def test_a_closed_browser_frees_its_subscription(open_stream, control_server, app):
    reader = open_stream()
    _wait_for_subscribers(control_server, 1)
    reader.close()
    deadline = time.monotonic() + 3
    while control_server.subscriber_count or app.extensions[EXTENSION].streams.used:
        assert time.monotonic() < deadline, "subscription leaked after the browser left"
        time.sleep(0.02)


def test_one_user_cannot_take_every_stream_slot(open_stream, control_server, app, users):
    slots = app.extensions[EXTENSION].streams
    slots.limit = 4  # per owner: 2
    mine = [open_stream(), open_stream()]
    assert all(r.response.status == 200 for r in mine)
    third = open_stream()
    assert third.response.status == 503
    assert json.loads(third.response.read())["error"] == "too_many_streams"
    other = open_stream(other=users.create_token("supervisor"))
    assert other.response.status == 200  # someone else still gets a live page


def test_a_technician_sees_callers_masked_on_the_stream(open_stream, control_server, bus,
                                                        users):
    reader = open_stream(other=users.create_token("technician"))
    _wait_for_subscribers(control_server, 1)
    bus.publish(CallQueued("c1", "taxi", "+989121234567"))
    name, data = reader.next_named()
    assert (name, data["caller"]) == ("CallQueued", "+989•••67")
