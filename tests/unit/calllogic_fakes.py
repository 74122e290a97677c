"""Fakes for the call logic tests (IVR, queue, call flow): no pjsua2, no threads.

``ManualBus`` keeps the bus contract the IVR and the queue rely on — events are
handled one at a time in the order published, timers run on the same "worker"
and ``Timer.cancel()`` works — but time only moves when a test calls
``advance()``, so timeouts run instantly and in a known order. Unlike the real
bus it lets a failing subscriber's exception through, so a bug fails the test
instead of being logged and swallowed.

``FakeControl`` stands in for the telephony side (``CallControl``): it records
every command and hands out increasing playback tokens.

The test directories have no ``__init__.py``; each one's conftest.py puts
tests/unit on ``sys.path`` so this module imports as ``calllogic_fakes``.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence, TypeVar

from appliance import events as ev
from appliance.acd.acd import Acd
from appliance.config.model import DispatcherConfig, IvrConfig, IvrMenu, QueueConfig
from appliance.flow import CallFlow
from appliance.ivr.menu import MenuTree

E = TypeVar("E", bound=ev.Event)


def prompt(key: str) -> str:
    """The prompt lookup every test uses: a key becomes a WAV path."""
    return f"/prompts/{key}.wav"


def wavs(*keys: str) -> tuple[str, ...]:
    return tuple(prompt(k) for k in keys)


class ManualBus:
    """publish / call_soon / call_later / subscribe with a clock moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0
        self.published: list[ev.Event] = []
        self._subs: list[tuple[tuple[type, ...] | None, Callable[[ev.Event], None]]] = []
        self._queue: deque = deque()
        self._timers: list[ev.Timer] = []
        self._seq = itertools.count()
        self._busy = False

    # -- the bus contract --------------------------------------------------------
    def monotonic(self) -> float:
        return self.now

    def subscribe(self, fn: Callable[[ev.Event], None],
                  types: Iterable[type] | None = None) -> None:
        self._subs.append((tuple(types) if types else None, fn))

    def publish(self, event: ev.Event) -> None:
        self.published.append(event)
        self._queue.append(("event", event))
        self._drain()

    def call_soon(self, fn: Callable[[], None]) -> None:
        self._queue.append(("call", fn))
        self._drain()

    def call_later(self, delay: float, fn: Callable[[], None]) -> ev.Timer:
        timer = ev.Timer(self.now + max(0.0, delay), next(self._seq), fn)
        heapq.heappush(self._timers, timer)
        return timer

    # -- test controls -----------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Move time forward, running every timer that falls due, in order."""
        target = self.now + seconds
        while self._timers and self._timers[0].when <= target:
            timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self.now = max(self.now, timer.when)
            timer.fn()
            self._drain()
        self.now = target

    def pending_timers(self) -> int:
        return sum(1 for t in self._timers if not t.cancelled)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.published if isinstance(e, kind)]

    def clear(self) -> None:
        self.published.clear()

    # -- the "worker" --------------------------------------------------------------
    def _drain(self) -> None:
        if self._busy:  # published from inside a handler: queued, handled after it
            return
        self._busy = True
        try:
            while self._queue:
                kind, item = self._queue.popleft()
                if kind == "call":
                    item()
                    continue
                for types, fn in list(self._subs):
                    if types is None or isinstance(item, types):
                        fn(item)
        finally:
            self._busy = False


@dataclass(frozen=True)
class Played:
    call_id: str
    files: tuple[str, ...]
    loop: bool
    token: int


class FakeControl:
    """CallControl that records commands; ``play`` returns tokens 1, 2, 3, ..."""

    def __init__(self) -> None:
        self.commands: list[tuple] = []
        self.plays: list[Played] = []
        self._tokens = itertools.count(1)

    def answer(self, call_id: str) -> None:
        self.commands.append(("answer", call_id))

    def reject(self, call_id: str, code: int, reason: str) -> None:
        self.commands.append(("reject", call_id, code, reason))

    def hangup(self, call_id: str, code: int = 0) -> None:
        self.commands.append(("hangup", call_id, code))

    def play(self, call_id: str, files: Sequence[str], loop: bool = False) -> int:
        played = Played(call_id, tuple(files), loop, next(self._tokens))
        self.plays.append(played)
        self.commands.append(("play", call_id, tuple(files), loop))
        return played.token

    def stop_play(self, call_id: str) -> None:
        self.commands.append(("stop_play", call_id))

    def originate(self, leg_id: str, uri: str, caller_id: str = "", for_call: str = "") -> None:
        self.commands.append(("originate", leg_id, uri, caller_id, for_call))

    def bridge(self, call_id: str, leg_id: str) -> None:
        self.commands.append(("bridge", call_id, leg_id))

    # -- what a test asks ------------------------------------------------------------
    def last_play(self, call_id: str) -> Played:
        return [p for p in self.plays if p.call_id == call_id][-1]

    def plays_for(self, call_id: str) -> list[tuple[str, ...]]:
        return [p.files for p in self.plays if p.call_id == call_id]

    def hangups(self) -> list[tuple[str, int]]:
        return [(c[1], c[2]) for c in self.commands if c[0] == "hangup"]

    def originated(self) -> list[tuple[str, str]]:
        """(leg_id, uri) of every leg placed, in order."""
        return [(c[1], c[2]) for c in self.commands if c[0] == "originate"]

    def bridges(self) -> list[tuple[str, str]]:
        return [(c[1], c[2]) for c in self.commands if c[0] == "bridge"]

    def clear(self) -> None:
        self.commands.clear()
        self.plays.clear()


class FakePaths:
    """AudioPaths of the conference bridge: which (from, to) paths are on, and the log."""

    def __init__(self) -> None:
        self.on: set = set()
        self.log: list = []

    def connect(self, pairs) -> None:
        self.on |= set(pairs)
        self.log.append(("connect", tuple(pairs)))

    def disconnect(self, pairs) -> None:
        self.on -= set(pairs)
        self.log.append(("disconnect", tuple(pairs)))


class FakeNotices:
    """ReferNotices: the final NOTIFY codes sent, per leg."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    def outcome(self, leg_id: str, code: int) -> None:
        self.sent.append((leg_id, code))


# -- a small office -------------------------------------------------------------------

PHONES = {"ali": "sip:101@127.0.0.1:5071", "sara": "sip:102@127.0.0.1:5072",
          "reza": "sip:103@127.0.0.1:5073"}


def dispatchers(*names: str) -> list[DispatcherConfig]:
    names = names or ("ali", "sara")
    return [DispatcherConfig(n, PHONES[n].split(":")[1].split("@")[0], PHONES[n]) for n in names]


def taxi_queue(**overrides) -> QueueConfig:
    values = dict(name="taxi", strategy="ringall", ring_timeout_s=15.0, wrapup_s=5.0,
                  target_wait_s=60.0, announce_every_s=30.0)
    values.update(overrides)
    return QueueConfig(**values)


def make_acd(bus: ManualBus, control: FakeControl, queues: list[QueueConfig] | None = None,
             staff: list[DispatcherConfig] | None = None) -> Acd:
    return Acd(queues or [taxi_queue()], staff if staff is not None else dispatchers(),
               control, prompt, bus, bus.monotonic)


def office_ivr() -> IvrConfig:
    """main: 1 taxi, 2 office, 3 sub-menu "info", 9 hang up; info: 1 taxi, 0 back."""
    return IvrConfig(greeting="welcome", root="main", menus=[
        IvrMenu(id="main", prompt="main_menu", timeout_s=5.0, retries=2, default="queue:office",
                options={"1": "queue:taxi", "2": "queue:office", "3": "menu:info", "9": "hangup"}),
        IvrMenu(id="info", prompt="info_menu", timeout_s=4.0, retries=1, default="hangup",
                options={"1": "queue:taxi", "0": "menu:main"}),
    ])


def make_flow(bus: ManualBus, control: FakeControl, acd: Acd | None = None) -> CallFlow:
    acd = acd or make_acd(bus, control, [taxi_queue(), taxi_queue(name="office")])
    flow = CallFlow(MenuTree(office_ivr()), acd, control, prompt, bus)
    bus.subscribe(flow.handle)
    return flow


def legs_to(control: FakeControl, name: str) -> list[str]:
    """Leg ids placed to a dispatcher's phone, oldest first."""
    return [leg for leg, uri in control.originated() if uri == PHONES[name]]


def leg_to(control: FakeControl, name: str) -> str:
    """The latest leg placed to a dispatcher's phone."""
    legs = legs_to(control, name)
    assert legs, f"{name}'s phone was never rung"
    return legs[-1]


def states(acd: Acd) -> dict[str, str]:
    return {name: str(agent.state) for name, agent in acd.agents.items()}
