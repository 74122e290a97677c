"""What the web app needs from the outside, held on the app (no module globals)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from flask import current_app

from appliance.audit.log import AuditLog
from appliance.auth import UserStore
from appliance.auth.throttle import Throttle
from appliance.config.model import Config
from appliance.control import ControlClient
from appliance.store.db import db_path, open_db
from appliance.system.health import HealthProbe

EXTENSION = "callbox"


class StreamSlots:
    """Caps concurrent SSE streams: each one holds a waitress worker thread. One owner
    (a user or token) gets at most ``per_owner`` of them, so nobody takes every slot."""

    PER_OWNER = 4  # a few tabs and a wallboard

    def __init__(self, limit: int):
        self.limit = limit
        self._used = 0
        self._owners: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def per_owner(self) -> int:
        return max(1, min(self.PER_OWNER, self.limit // 2))

    def acquire(self, owner: str = "") -> bool:
        with self._lock:
            if self._used >= self.limit or self._owners.get(owner, 0) >= self.per_owner:
                return False
            self._used += 1
            self._owners[owner] = self._owners.get(owner, 0) + 1
            return True

    def release(self, owner: str = "") -> None:
        with self._lock:
            self._used = max(0, self._used - 1)
            left = self._owners.get(owner, 0) - 1
            if left > 0:
                self._owners[owner] = left
            else:
                self._owners.pop(owner, None)

    @property
    def used(self) -> int:
        with self._lock:
            return self._used


@dataclass
class WebContext:
    config: Config
    data_dir: Path
    control: ControlClient
    users: UserStore
    tz: ZoneInfo
    health: HealthProbe
    streams: StreamSlots = field(default_factory=lambda: StreamSlots(12))
    sse_heartbeat_s: float = 15.0
    sse_retry_s: float = 1.0
    throttle: Throttle = field(default_factory=Throttle)  # sign-in attempts
    audit: AuditLog | None = None  # set by create_app: <data>/callbox.sqlite3


def web_context() -> WebContext:
    return current_app.extensions[EXTENSION]


@contextmanager
def calls_db() -> Iterator:
    """A read-only connection to the SQLite store (call log, SMS, USSD) for one request."""
    conn = open_db(db_path(web_context().data_dir), readonly=True)
    try:
        yield conn
    finally:
        conn.close()
