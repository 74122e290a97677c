"""A line's own worker thread: the only thread that sends AT commands for the line.

The AT reader thread posts URC work here and returns at once (a handler that sent
a command from the reader would wait for a response only the reader can read).
Timers use the injected clock; :meth:`poke` wakes the thread after a test moves a
fake clock.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
from typing import Callable

from appliance.events import Clock

log = logging.getLogger("callbox.gsm.worker")

MAX_IDLE_WAIT = 1.0  # re-check timers at least this often (a fake clock may have moved)


class Timer:
    __slots__ = ("when", "seq", "fn", "cancelled")

    def __init__(self, when: float, seq: int, fn: Callable[[], None]):
        self.when, self.seq, self.fn, self.cancelled = when, seq, fn, False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: "Timer") -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


class Worker:
    def __init__(self, name: str, clock: Clock):
        self.name = name
        self._clock = clock
        self._queue: queue.Queue = queue.Queue()
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"gsm-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self._queue.put(None)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping

    @property
    def in_worker(self) -> bool:
        return threading.current_thread() is self._thread

    @property
    def stopping(self) -> bool:
        return self._stopping

    def post(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)

    def poke(self) -> None:
        self._queue.put(lambda: None)

    def call_later(self, delay: float, fn: Callable[[], None]) -> Timer:
        """Schedule ``fn`` on the worker (from any thread)."""
        timer = Timer(self._clock.monotonic() + max(0.0, delay), next(self._seq), fn)
        self._queue.put(("timer", timer))
        return timer

    def _run(self) -> None:
        while not self._stopping:
            try:
                item = self._queue.get(timeout=self._wait())
            except queue.Empty:
                item = None
            if isinstance(item, tuple):
                heapq.heappush(self._timers, item[1])
            elif item is not None:
                self._guard(item)
            self._run_due()

    def _wait(self) -> float:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        if not self._timers:
            return MAX_IDLE_WAIT
        return min(MAX_IDLE_WAIT, max(0.0, self._timers[0].when - self._clock.monotonic()))

    def _run_due(self) -> None:
        now = self._clock.monotonic()
        while not self._stopping and self._timers and \
                (self._timers[0].cancelled or self._timers[0].when <= now):
            timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._guard(timer.fn)

    def _guard(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # one failed job must not stop the line
            log.exception("job failed line=%s", self.name)
