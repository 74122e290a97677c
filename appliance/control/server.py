"""The core's side of the control socket (see protocol.py for the wire format).

One accept thread plus one thread per connection; the bus thread only ever calls
:meth:`ControlServer.handle_event`, which copies a pre-encoded line into each
subscriber's bounded queue and returns (a slow client loses its oldest events
and is told how many in its heartbeats; it never stalls call handling).

``status`` and the action callables run on the connection's thread, not the bus
thread: the composition root must make them thread-safe (e.g. hand work to the
bus with ``call_soon`` and wait for the answer).
"""

from __future__ import annotations

import logging
import os
import select
import socket
import stat
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable

from appliance.errors import CallboxError, ControlError
from appliance.control import protocol as p

log = logging.getLogger("callbox.control")

Action = Callable[[dict[str, Any]], Any]

POLL_S = 0.25  # how often idle threads look at the stop flag / a closed peer
SEND_TIMEOUT_S = 10.0  # a client that takes longer to accept a write is dropped
MAX_CONNECTIONS = 64



def _msgid(exc: Exception) -> tuple[str | None, dict[str, Any] | None]:
    """The refusal's msgid and params (CallboxError keeps them; a ValueError's text is
    its msgid), so the web can translate it."""
    msgid = getattr(exc, "msgid", None)
    if msgid is None and len(exc.args) == 1 and isinstance(exc.args[0], str):
        msgid = exc.args[0]
    return msgid, getattr(exc, "params", None)

class _Subscriber:
    """A bounded queue of encoded event lines for one streaming connection."""

    def __init__(self, maxlen: int):
        self._items: deque[bytes] = deque()
        self._maxlen = maxlen
        self._cond = threading.Condition()
        self.dropped = 0

    def offer(self, line: bytes) -> None:
        with self._cond:
            if len(self._items) >= self._maxlen:
                self._items.popleft()  # drop the oldest: the newest state matters most
                self.dropped += 1
            self._items.append(line)
            self._cond.notify()

    def take(self, timeout: float) -> list[bytes]:
        with self._cond:
            if not self._items:
                self._cond.wait(timeout)
            items = list(self._items)
            self._items.clear()
            return items


class ControlServer:
    """Answers status/action requests and streams bus events to subscribers."""

    def __init__(self, path: Path | str, status: Callable[[], dict],
                 actions: dict[str, Action], *, heartbeat_s: float = p.HEARTBEAT_S,
                 queue_size: int = 1000):
        self.path = Path(path)
        self._status = status
        self._actions = dict(actions)
        self._heartbeat_s = heartbeat_s
        self._queue_size = queue_size
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._subs: set[_Subscriber] = set()
        self._conns: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_stale_socket()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        os.chmod(self.path, 0o660)
        listener.listen(16)
        listener.settimeout(POLL_S)
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept_loop, name="control-accept",
                                        daemon=True)
        self._thread.start()
        log.info("control socket listening path=%s", self.path)

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            try:  # wakes the accept loop now instead of at its next poll
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)  # wakes the connection's blocked recv
            except OSError:
                pass
        if self._listener is not None:
            self._listener.close()
            self._listener = None
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass

    def _remove_stale_socket(self) -> None:
        try:
            mode = self.path.lstat().st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(mode):
            raise ControlError(f"{self.path} exists and is not a socket")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(self.path))
        except OSError:
            self.path.unlink()  # left over from a core that died
            return
        finally:
            probe.close()
        raise ControlError(f"another core is already listening on {self.path}")

    # -- bus subscriber (bus thread) ---------------------------------------------
    def handle_event(self, event: Any) -> None:
        """Fan one bus event out to every subscribed connection without blocking."""
        with self._lock:
            subs = list(self._subs)
        if not subs:
            return
        line = p.event_line(event.name, event.to_json())
        for sub in subs:
            sub.offer(line)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subs)

    # -- connections -------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                if not self._stopping.is_set():
                    log.exception("control accept failed")
                return
            with self._lock:
                crowded = len(self._conns) >= MAX_CONNECTIONS
                if not crowded:
                    self._conns.add(conn)
            if crowded:
                self._refuse(conn)
                continue
            threading.Thread(target=self._serve, args=(conn,), name="control-conn",
                             daemon=True).start()

    @staticmethod
    def _refuse(conn: socket.socket) -> None:
        try:
            conn.sendall(p.encode(p.error("busy", "too many control connections")))
        except OSError:
            pass
        conn.close()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(SEND_TIMEOUT_S)
        try:
            self._request_loop(conn)
        except OSError:
            pass  # the peer went away (or stop() shut the socket down)
        except Exception:
            log.exception("control connection failed")
        finally:
            with self._lock:
                self._conns.discard(conn)
            conn.close()

    def _request_loop(self, conn: socket.socket) -> None:
        reader = p.LineReader()
        while not self._stopping.is_set():
            try:
                chunk = conn.recv(4096)
            except socket.timeout:
                continue  # an idle client; keep it
            if not chunk:
                return
            try:
                lines = reader.feed(chunk)
            except ValueError as exc:
                conn.sendall(p.encode(p.error(p.LINE_TOO_LONG, str(exc))))
                return
            for line in lines:
                if not line.strip():
                    continue
                reply, subscribe = self.answer(line)
                conn.sendall(p.encode(reply))
                if subscribe:
                    self._stream(conn)
                    return

    # -- requests ------------------------------------------------------------------
    def answer(self, line: bytes) -> tuple[dict[str, Any], bool]:
        """The reply to one request line, and whether the connection now streams events."""
        try:
            request = p.decode(line)
        except ValueError as exc:
            return p.error(p.BAD_JSON, f"not a JSON object: {exc}"), False
        op = request.get("op")
        if op == "status":
            return self._run(lambda: {"ok": True, "status": self._status()}), False
        if op == "action":
            return self._action(request), False
        if op == "subscribe":
            return {"ok": True, "subscribed": True}, True
        return p.error(p.UNKNOWN_OP, f"unknown op {op!r}"), False

    def _action(self, request: dict[str, Any]) -> dict[str, Any]:
        name, args = request.get("name"), request.get("args", {})
        if not isinstance(name, str) or not isinstance(args, dict):
            return p.error(p.BAD_REQUEST, "an action needs a string 'name' and an object 'args'")
        fn = self._actions.get(name)
        if fn is None:
            return p.error(p.UNKNOWN_ACTION, f"no action named {name!r}")
        return self._run(lambda: {"ok": True, "result": fn(args)})

    @staticmethod
    def _run(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        try:
            return fn()
        except ValueError as exc:  # actions raise ValueError for arguments they refuse
            return p.error(p.BAD_ARGS, str(exc), *_msgid(exc))
        except CallboxError as exc:
            return p.error(p.ACTION_FAILED, str(exc), *_msgid(exc))
        except Exception as exc:
            log.exception("control request failed")
            return p.error(p.INTERNAL, f"{type(exc).__name__}: {exc}")

    # -- streaming -------------------------------------------------------------------
    def _stream(self, conn: socket.socket) -> None:
        sub = _Subscriber(self._queue_size)
        with self._lock:
            self._subs.add(sub)
        try:
            next_beat = time.monotonic() + self._heartbeat_s
            while not self._stopping.is_set():
                wait = min(POLL_S, max(0.0, next_beat - time.monotonic()))
                lines = sub.take(wait)
                if lines:
                    conn.sendall(b"".join(lines))
                if time.monotonic() >= next_beat:
                    conn.sendall(p.event_line(p.HEARTBEAT, {"dropped": sub.dropped}))
                    next_beat = time.monotonic() + self._heartbeat_s
                if _peer_closed(conn):
                    return
        finally:
            with self._lock:
                self._subs.discard(sub)


def _peer_closed(conn: socket.socket) -> bool:
    """True once the peer hung up; anything it sends while subscribed is discarded."""
    # select() first: recv on a socket with a timeout would wait for that timeout.
    readable, _, _ = select.select([conn], [], [], 0)
    if not readable:
        return False
    try:
        return conn.recv(4096) == b""
    except (BlockingIOError, InterruptedError, socket.timeout):
        return False
