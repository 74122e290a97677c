"""Sign-in throttling: growing delays per user name and per address, and a lock-out.

After ``free`` wrong passwords in a row for a key (``user:NAME`` or ``addr:IP``), the
next attempt must wait ``base_s`` seconds, doubling with every further failure up to
``max_s``. A success clears the key. The caller locks a user (persistently, in the user
store) once ``lock_after`` failures in a row were counted for that user; an admin lifts it.
Pure logic with an injected clock; memory is bounded (oldest keys forgotten first).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable


@dataclass
class _Entry:
    failures: int = 0
    not_before: float = 0.0


class Throttle:
    def __init__(self, clock: Callable[[], float] = time.monotonic, free: int = 3,
                 base_s: float = 1.0, max_s: float = 300.0, lock_after: int = 10,
                 max_keys: int = 10_000):
        self.clock, self.free, self.base_s, self.max_s = clock, free, base_s, max_s
        self.lock_after, self.max_keys = lock_after, max_keys
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def wait_s(self, *keys: str) -> float:
        """Seconds until any of ``keys`` may try again (0 = now)."""
        now = self.clock()
        with self._lock:
            waits = [e.not_before - now for k in keys if (e := self._entries.get(k))]
        return max([0.0] + waits)

    def failed(self, key: str) -> int:
        """Count a wrong password for ``key``; returns the failures in a row."""
        with self._lock:
            entry = self._entries.pop(key, None) or _Entry()
            entry.failures += 1
            over = entry.failures - self.free
            if over > 0:
                entry.not_before = self.clock() + min(self.max_s, self.base_s * 2 ** (over - 1))
            self._entries[key] = entry
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)
            return entry.failures

    def should_lock(self, failures: int) -> bool:
        return failures >= self.lock_after

    def clear(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)
