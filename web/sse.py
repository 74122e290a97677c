"""Relay the core's events to one browser as Server-Sent Events.

One control subscription per browser. The stream never ends on its own: when
the core goes away it says ``event: CoreDown``, retries every ``retry_s`` and
says ``event: CoreUp`` once the core answers again. A comment line goes out
whenever nothing else did for ``heartbeat_s``, so proxies keep the connection
and a browser that left is noticed (the write fails).
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Iterator

from appliance import events as bus_events
from appliance.control import Subscription
from appliance.control.protocol import HEARTBEAT
from appliance.errors import ControlError

CORE_DOWN = "CoreDown"
CORE_UP = "CoreUp"


def event_names() -> list[str]:
    """Every event name the stream can carry (a browser listens for each by name)."""
    names, todo = set(), [bus_events.Event]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            names.add(sub.__name__)
            todo.append(sub)
    return sorted(names) + [CORE_DOWN, CORE_UP]


def frame(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class EventStream:
    """An iterator of SSE text chunks; closing it closes the control subscription."""

    def __init__(self, connect: Callable[[], Subscription], heartbeat_s: float = 15.0,
                 retry_s: float = 1.0, sleep: Callable[[float], None] = time.sleep,
                 transform: Callable[[Any], Any] | None = None):
        self._connect = connect
        self._transform = transform  # e.g. masking customers' data for technicians
        self._heartbeat_s = heartbeat_s
        self._retry_s = retry_s
        self._sleep = sleep
        self._sub: Subscription | None = None

    def __iter__(self) -> Iterator[str]:
        yield f"retry: {int(self._retry_s * 1000)}\n\n"
        up: bool | None = None  # unknown until the first attempt
        last_write = time.monotonic()
        try:
            while True:
                if self._sub is None:
                    up, chunk = self._reconnect(up)
                else:
                    chunk = self._next(last_write)
                    if chunk is None and self._sub is None:
                        up, chunk = False, frame(CORE_DOWN, {"message": "core went away"})
                if chunk is None and time.monotonic() - last_write >= self._heartbeat_s:
                    chunk = ": keepalive\n\n"
                if chunk is not None:
                    last_write = time.monotonic()
                    yield chunk
        finally:
            self.close()

    def _reconnect(self, up: bool | None) -> tuple[bool, str | None]:
        try:
            self._sub = self._connect()
        except ControlError as exc:
            if up is False:  # still down: wait before the next try
                self._sleep(self._retry_s)
                return False, None
            return False, frame(CORE_DOWN, {"message": str(exc)})
        return True, (frame(CORE_UP, {}) if up is False else None)

    def _next(self, last_write: float) -> str | None:
        assert self._sub is not None
        wait = max(0.05, self._heartbeat_s - (time.monotonic() - last_write))
        try:
            message = self._sub.next(wait)
        except ControlError:
            self._sub.close()
            self._sub = None
            return None
        if message is None or message.get("event") == HEARTBEAT:
            return None
        data = message.get("data") or {}
        return frame(str(message.get("event")),
                     self._transform(data) if self._transform else data)

    def close(self) -> None:
        if self._sub is not None:
            self._sub.close()
            self._sub = None
