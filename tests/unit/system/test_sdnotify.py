"""SdNotifier against a real AF_UNIX datagram socket, as systemd would listen."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from appliance.system.sdnotify import SdNotifier, watchdog_interval_s


@pytest.fixture
def listener(tmp_path: Path):
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    yield path, sock
    sock.close()


def test_ready_watchdog_status_stopping_reach_systemd(listener):
    path, sock = listener
    notifier = SdNotifier(path)
    assert notifier.ready()
    assert notifier.watchdog()
    assert notifier.status("SIP up\n2 modems")
    assert notifier.stopping()
    got = [sock.recv(4096).decode() for _ in range(4)]
    assert got == ["READY=1", "WATCHDOG=1", "STATUS=SIP up 2 modems", "STOPPING=1"]
    notifier.close()


def test_abstract_namespace_socket():
    name = f"callbox-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2)
    try:
        assert SdNotifier("@" + name).ready()
        assert sock.recv(64) == b"READY=1"
    finally:
        sock.close()


def test_socket_path_taken_from_environment(listener, monkeypatch):
    path, sock = listener
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    SdNotifier().watchdog()
    assert sock.recv(64) == b"WATCHDOG=1"


def test_without_notify_socket_every_call_is_a_no_op(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = SdNotifier()
    assert not notifier.enabled
    assert notifier.ready() is False
    assert notifier.watchdog() is False


def test_vanished_socket_does_not_raise(tmp_path):
    # systemd restarted or the socket is gone: the core must keep running.
    notifier = SdNotifier(str(tmp_path / "missing"))
    assert notifier.watchdog() is False


@pytest.mark.parametrize("env, expected", [
    ({"WATCHDOG_USEC": "30000000"}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # meant for another process
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "junk"}, None),
    ({}, None),
])
def test_watchdog_interval_is_half_of_watchdogsec(env, expected):
    assert watchdog_interval_s(env) == expected


def test_watchdog_interval_for_this_process():
    env = {"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval_s(env) == 2.0
