"""The control socket through a real ControlServer on a Unix socket and a real EventBus."""

from __future__ import annotations

import json
import socket
import stat
import threading
import time

import pytest

from appliance.control import (ControlClient, ControlRequestError, ControlServer,
                               CoreUnavailable, socket_path)
from appliance.errors import CallboxError, ControlError
from appliance.events import DispatcherStateChanged, EventBus

STATUS = {"lines": [{"name": "gsm1", "kind": "gsm", "state": "idle"}],
          "dispatchers": [{"name": "anna", "state": "available"}],
          "queues": [{"name": "taxi", "waiting": []}], "lamps": []}


def _pause(args):
    if "dispatcher" not in args:
        raise ValueError("dispatcher is required")
    if args["dispatcher"] == "ghost":
        raise CallboxError("no such dispatcher: ghost")
    return {"paused": args["dispatcher"]}


def _broken(args):
    raise RuntimeError("bug")


@pytest.fixture
def bus():
    bus = EventBus()
    bus.start()
    yield bus
    bus.stop()


@pytest.fixture
def server(tmp_path, bus):
    srv = ControlServer(socket_path(tmp_path), lambda: STATUS,
                        {"pause": _pause, "broken": _broken}, heartbeat_s=0.2, queue_size=10)
    bus.subscribe(srv.handle_event)
    srv.start()
    yield srv
    srv.stop()


def _raw(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(2)
    sock.connect(str(path))
    return sock, sock.makefile("rb")


def _wait_for_subscribers(server, n, timeout=2.0):
    deadline = time.monotonic() + timeout
    while server.subscriber_count < n:
        assert time.monotonic() < deadline, "subscription never registered"
        time.sleep(0.005)


def test_socket_lives_in_data_run_and_is_group_only(tmp_path, server):
    assert server.path == tmp_path / "run" / "core.sock"
    assert stat.S_IMODE(server.path.stat().st_mode) == 0o660


def test_status_returns_what_the_core_provides(server):
    assert ControlClient(server.path).status() == STATUS


def test_action_result_and_errors(server):
    client = ControlClient(server.path)
    assert client.action("pause", dispatcher="anna") == {"paused": "anna"}
    cases = [("pause", {}, "bad_args"), ("pause", {"dispatcher": "ghost"}, "action_failed"),
             ("nope", {}, "unknown_action"), ("broken", {}, "internal")]
    for name, args, code in cases:
        with pytest.raises(ControlRequestError) as info:
            client.action(name, **args)
        assert info.value.code == code, name
        assert info.value.message


def test_malformed_json_is_answered_and_the_connection_stays_usable(server):
    sock, reader = _raw(server.path)
    with sock:
        sock.sendall(b"this is not json\n[1,2]\n{\"op\":\"dance\"}\n{\"op\":\"status\"}\n")
        replies = [json.loads(reader.readline()) for _ in range(4)]
    assert [r.get("error") for r in replies] == ["bad_json", "bad_json", "unknown_op", None]
    assert replies[3] == {"ok": True, "status": STATUS}


def test_subscriber_receives_bus_events_and_heartbeats(server, bus):
    sub = ControlClient(server.path).subscribe()
    with sub:
        _wait_for_subscribers(server, 1)
        bus.publish(DispatcherStateChanged("anna", "ringing", "available"))
        message = sub.next(2.0)
        assert message["event"] == "DispatcherStateChanged"
        assert message["data"]["dispatcher"] == "anna"
        assert message["data"]["state"] == "ringing"
        beat = sub.next(2.0)
        assert beat == {"event": "heartbeat", "data": {"dropped": 0}}
    deadline = time.monotonic() + 2
    while server.subscriber_count:
        assert time.monotonic() < deadline, "closed subscriber was never removed"
        time.sleep(0.01)


def test_slow_subscriber_loses_oldest_events_without_stalling_the_bus(server, bus):
    sock, reader = _raw(server.path)
    with sock:
        sock.sendall(b'{"op":"subscribe"}\n')
        assert json.loads(reader.readline())["subscribed"] is True
        _wait_for_subscribers(server, 1)
        total = 6000  # far more than the socket buffer holds while nobody reads
        for i in range(total):
            bus.publish(DispatcherStateChanged("anna", f"s{i}", "x"))
        # A bus stalled on the unread socket would never go idle; how fast it goes is a
        # benchmark's business, not this test's (a loaded CI machine is slow).
        assert bus.wait_idle(30.0)
        time.sleep(0.3)  # let the server's writer fill its queue and drop
        seen, dropped = [], 0
        while dropped == 0 or seen[-1] != f"s{total - 1}":
            message = json.loads(reader.readline())
            if message["event"] == "heartbeat":
                dropped = message["data"]["dropped"]
            else:
                seen.append(message["data"]["state"])
    assert dropped > 0
    assert len(seen) + dropped == total
    assert seen == sorted(seen, key=lambda s: int(s[1:]))  # order kept, newest survive


def test_events_generator_skips_heartbeats(server, bus):
    events = ControlClient(server.path).events()

    def publish_after_a_heartbeat():
        _wait_for_subscribers(server, 1)
        time.sleep(0.3)  # the server's heartbeat is 0.2 s
        bus.publish(DispatcherStateChanged("bob", "busy", "ringing"))

    threading.Thread(target=publish_after_a_heartbeat, daemon=True).start()
    first = next(events)
    events.close()
    assert first["event"] == "DispatcherStateChanged"
    assert first["data"]["state"] == "busy"


def test_core_down_raises_control_error(tmp_path):
    client = ControlClient(socket_path(tmp_path), timeout=0.5)
    with pytest.raises(ControlError):
        client.status()
    with pytest.raises(CoreUnavailable):
        client.subscribe()


def test_stopping_the_core_ends_subscriptions(server):
    sub = ControlClient(server.path).subscribe()
    _wait_for_subscribers(server, 1)
    server.stop()
    with pytest.raises(CoreUnavailable):
        while True:
            sub.next(2.0)
    sub.close()


def test_a_silent_core_is_detected_by_the_idle_timeout(tmp_path):
    srv = ControlServer(socket_path(tmp_path), dict, {}, heartbeat_s=30)
    srv.start()
    try:
        started = time.monotonic()
        with ControlClient(srv.path).subscribe(idle_timeout=0.3) as sub, \
                pytest.raises(CoreUnavailable, match="heartbeat"):
            list(sub)
        assert time.monotonic() - started < 1.5
    finally:
        srv.stop()


def test_stale_socket_is_replaced_but_a_live_one_is_not(tmp_path):
    path = socket_path(tmp_path)
    path.parent.mkdir(parents=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # the file stays, nobody listens: a core that crashed
    first = ControlServer(path, dict, {})
    first.start()
    try:
        assert ControlClient(path).status() == {}
        with pytest.raises(ControlError, match="already listening"):
            ControlServer(path, dict, {}).start()
    finally:
        first.stop()
    assert not path.exists()
