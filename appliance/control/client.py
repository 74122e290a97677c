"""The web's side of the control socket: requests, and an event subscription.

Each request opens its own short connection (cheap on a Unix socket, and a
crashed core never leaves a half-used connection behind). Reconnecting a
subscription is the caller's business: :class:`Subscription` raises
:class:`CoreUnavailable` once the core is gone or stops sending heartbeats.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from appliance.errors import ControlError
from appliance.control import protocol as p


class CoreUnavailable(ControlError):
    """The core is not running, or its control socket stopped answering."""


class ControlRequestError(ControlError):
    """The core answered ``{"ok": false}``; ``code`` is its ``error`` field."""

    def __init__(self, code: str, message: str, msgid: str | None = None,
                 params: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.msgid = msgid  # the English msgid of message, for translating it on display
        self.params = params or {}


def _connect(path: Path, timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or type(exc).__name__
        raise CoreUnavailable(f"the core is not running (control socket {path}: {reason})") \
            from exc
    return sock


class ControlClient:
    def __init__(self, path: Path | str, timeout: float = 2.0):
        self.path = Path(path)
        self.timeout = timeout

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one request, return the reply; raise if the core is down or says no."""
        sock = _connect(self.path, self.timeout)
        try:
            sock.sendall(p.encode(message))
            reply = _LineSocket(sock).read(time.monotonic() + self.timeout)
        except (OSError, ValueError) as exc:
            raise CoreUnavailable(f"the core did not answer: {exc}") from exc
        finally:
            sock.close()
        if reply is None:
            raise CoreUnavailable(f"the core did not answer within {self.timeout:g} s")
        if not reply.get("ok"):
            params = reply.get("params")
            raise ControlRequestError(str(reply.get("error", "error")),
                                      str(reply.get("message", "")),
                                      reply.get("msgid") if isinstance(reply.get("msgid"), str)
                                      else None, params if isinstance(params, dict) else None)
        return reply

    def status(self) -> dict[str, Any]:
        return self.request({"op": "status"})["status"]

    def action(self, name: str, **args: Any) -> Any:
        return self.request({"op": "action", "name": name, "args": args}).get("result")

    def subscribe(self, idle_timeout: float = 3 * p.HEARTBEAT_S) -> "Subscription":
        """Open an event stream; ``idle_timeout`` without a line means the core hung."""
        sock = _connect(self.path, self.timeout)
        sub = Subscription(sock, idle_timeout)
        try:
            sock.sendall(p.encode({"op": "subscribe"}))
            ack = sub.next(self.timeout)
        except (OSError, ControlError) as exc:
            sub.close()
            raise CoreUnavailable(f"the core refused the subscription: {exc}") from exc
        if ack is None or not ack.get("ok"):
            sub.close()
            raise CoreUnavailable(f"the core refused the subscription: {ack!r}")
        return sub

    def events(self, heartbeats: bool = False) -> Iterator[dict[str, Any]]:
        """Yield ``{"event": Name, "data": {...}}`` until the core goes away."""
        sub = self.subscribe()
        try:
            for message in sub:
                if heartbeats or message.get("event") != p.HEARTBEAT:
                    yield message
        finally:
            sub.close()


class _LineSocket:
    """Reads newline-delimited JSON from a socket with a deadline."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self._buf = bytearray()

    def read(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or None when ``deadline`` passes first."""
        while True:
            cut = self._buf.find(b"\n")
            if cut >= 0:
                line = bytes(self._buf[:cut])
                del self._buf[:cut + 1]
                if line.strip():
                    return p.decode(line)
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable, _, _ = select.select([self.sock], [], [], left)
            if not readable:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                raise CoreUnavailable("the core closed the control connection")
            self._buf += chunk


class Subscription:
    """An open event stream. ``close()`` may be called from any thread; a stream
    that raised :class:`CoreUnavailable` has closed itself."""

    def __init__(self, sock: socket.socket, idle_timeout: float):
        self._lines = _LineSocket(sock)
        self._sock = sock
        self._idle_timeout = idle_timeout
        self._last = time.monotonic()
        self._closed = threading.Event()

    def next(self, timeout: float) -> dict[str, Any] | None:
        """The next message (heartbeats included), or None after ``timeout`` seconds."""
        if self._closed.is_set():
            raise CoreUnavailable("subscription closed")
        try:
            message = self._lines.read(time.monotonic() + timeout)
        except CoreUnavailable:
            self.close()
            raise
        except (OSError, ValueError) as exc:
            self.close()
            raise CoreUnavailable(f"control stream broken: {exc}") from exc
        now = time.monotonic()
        if message is not None:
            self._last = now
        elif now - self._last > self._idle_timeout:
            self.close()  # the core hung: give up this connection
            raise CoreUnavailable(f"no heartbeat from the core for {now - self._last:.0f} s")
        return message

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            message = self.next(self._idle_timeout)
            if message is not None:
                yield message

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
