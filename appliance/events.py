"""Events (past-tense frozen dataclasses) and the one bus that carries them.

The bus has one worker thread. Subscribers, the IVR and the queue all run on it,
one event at a time, so domain state needs no locks. Timers (`call_later`) run on
the same worker, so a timeout and an event never race. A subscriber that raises
is logged with its ``call_id`` and the bus goes on.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

log = logging.getLogger("callbox.events")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Event:
    """Base class: every event carries the UTC time it happened."""

    at: datetime = field(default_factory=utcnow, kw_only=True)

    @property
    def name(self) -> str:
        return type(self).__name__

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat().replace("+00:00", "Z")
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


# --- calls (any line) -------------------------------------------------------

@dataclass(frozen=True)
class CallOffered(Event):
    """An inbound call reached a line. ``caller`` is E.164 where possible."""
    call_id: str
    line: str
    kind: str  # "sip" | "gsm"
    caller: str
    caller_raw: str
    callee: str = ""
    remote_uri: str = ""  # SIP: the caller's URI (callbacks, feature codes)
    source: str = ""  # SIP: the packet's source host (feature codes know phones by it)


@dataclass(frozen=True)
class CallPlaced(Event):
    """The box started an outbound call (a dispatcher's callback). ``number`` is the
    customer's number in E.164 where possible, ``number_raw`` as it was asked for."""
    call_id: str
    line: str
    number: str
    number_raw: str
    dispatcher: str


@dataclass(frozen=True)
class CallRejected(Event):
    """The box refused a call before answering (capacity, not allowed, ...)."""
    call_id: str
    line: str
    caller: str
    caller_raw: str
    code: int
    reason: str
    callee: str = ""


@dataclass(frozen=True)
class CallAnswered(Event):
    """The box answered an inbound call (the IVR starts)."""
    call_id: str


@dataclass(frozen=True)
class DtmfReceived(Event):
    call_id: str
    digit: str
    method: str  # "rfc2833" | "info" | "modem" | "inband"


@dataclass(frozen=True)
class PromptFinished(Event):
    """A playback started with a token reached its end."""
    call_id: str
    token: int


@dataclass(frozen=True)
class IvrStepped(Event):
    """The caller moved in the menu tree; ``step`` is e.g. ``main:1``."""
    call_id: str
    node: str
    step: str


@dataclass(frozen=True)
class CallQueued(Event):
    call_id: str
    queue: str
    caller: str


@dataclass(frozen=True)
class DispatcherRinging(Event):
    call_id: str
    dispatcher: str
    leg_id: str


@dataclass(frozen=True)
class DispatcherNoAnswer(Event):
    call_id: str
    dispatcher: str
    leg_id: str
    reason: str


@dataclass(frozen=True)
class CallBridged(Event):
    call_id: str
    dispatcher: str
    queue: str
    wait_s: float
    legs: tuple = ()  # the two legs whose audio is connected (recording taps them)


@dataclass(frozen=True)
class CallEnded(Event):
    """The caller's leg is gone. ``disposition`` is the call-log contract value."""
    call_id: str
    disposition: str  # answered|abandoned|voicemail|callback|failed|rejected|interrupted
    hangup_cause: str
    ended_by: str = ""  # "caller" | "dispatcher" | "box" | ""


# --- outbound legs (dispatcher phones, callbacks) ----------------------------

@dataclass(frozen=True)
class LegRinging(Event):
    leg_id: str


@dataclass(frozen=True)
class LegHeld(Event):
    """A SIP leg's far end put the call on hold (re-INVITE a=sendonly/inactive: the box
    must not send), or took it back (``held`` False)."""
    leg_id: str
    held: bool


@dataclass(frozen=True)
class LegAnswered(Event):
    leg_id: str


@dataclass(frozen=True)
class LegEnded(Event):
    """An outbound leg ended, before or after it was answered."""
    leg_id: str
    code: int
    reason: str


@dataclass(frozen=True)
class CallHungUp(Event):
    """An inbound leg was hung up (by the far end or by us)."""
    call_id: str
    code: int
    reason: str


@dataclass(frozen=True)
class TransferRequested(Event):
    """A dispatcher's phone sent REFER on its leg (appliance/telephony/sip/refer.py).
    ``target``: the Refer-To URI; ``replaces``: for an attended REFER, the leg id of the
    box's call its Replaces names (the phone's other call), else ""."""
    leg_id: str
    target: str
    replaces: str = ""


@dataclass(frozen=True)
class TransferStarted(Event):
    """The box rings ``to_dispatcher`` to take over ``call_id`` (appliance/transfer)."""
    call_id: str
    from_dispatcher: str
    to_dispatcher: str
    mode: str  # blind | attended
    leg_id: str = ""


@dataclass(frozen=True)
class CallTransferred(Event):
    """The caller now talks to ``to_dispatcher``; ``from_dispatcher``'s leg is released."""
    call_id: str
    from_dispatcher: str
    to_dispatcher: str
    mode: str
    legs: tuple = ()  # the two legs now bridged


@dataclass(frozen=True)
class TransferFailed(Event):
    """No transfer: ``returned_to`` is the dispatcher the caller is back with, or
    ``queue:<name>`` (their leg had gone: the caller waits at the front)."""
    call_id: str
    from_dispatcher: str
    to_dispatcher: str
    mode: str
    reason: str
    returned_to: str = ""


@dataclass(frozen=True)
class CallWaiting(Event):
    """A second caller rings a line that is busy with ``call_id`` (GSM +CCWA).
    ``caller`` is empty once that second caller has gone."""
    line: str
    call_id: str
    caller: str
    caller_raw: str = ""


# --- people, lines, queues, lamps -------------------------------------------

@dataclass(frozen=True)
class DispatcherStateChanged(Event):
    dispatcher: str
    state: str  # offline|available|ringing|busy|paused|wrapup
    previous: str
    reason: str = ""  # why paused (a configured reason, "auto", or "")


@dataclass(frozen=True)
class PauseRequested(Event):
    """A pause asked for during a call (it starts when the call ends), or withdrawn."""
    dispatcher: str
    pending: bool


@dataclass(frozen=True)
class VoicemailLeft(Event):
    """A caller left a voicemail (``message_id`` in table ``voicemail``)."""
    message_id: int
    call_id: str
    caller: str
    queue: str
    duration_s: float


@dataclass(frozen=True)
class IvrReloaded(Event):
    """A new IVR tree (or night mode) is in force for the next call."""
    version: int
    night_mode: bool


@dataclass(frozen=True)
class SettingChanged(Event):
    """A runtime switch changed (the demo's caller generator, ...)."""
    setting: str
    value: object


@dataclass(frozen=True)
class QueueChanged(Event):
    queue: str
    waiting: int
    longest_wait_s: float
    over_target: bool


@dataclass(frozen=True)
class LineStateChanged(Event):
    line: str
    kind: str
    state: str  # up|down|no-signal|no-sim|unregistered|busy|idle|alarm
    detail: str = ""


@dataclass(frozen=True)
class LampChanged(Event):
    lamp: str
    pin: int
    state: str  # off|on|blink|fast-blink|double-flash


@dataclass(frozen=True)
class SmsReceived(Event):
    line: str
    number: str
    text: str
    message_id: int = 0


@dataclass(frozen=True)
class AlarmRaised(Event):
    source: str
    message: str  # English, for logs
    msgid: str = ""  # the message's msgid (appliance.i18n.N_) when pages should translate it
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlarmCleared(Event):
    source: str


Subscriber = Callable[[Event], None]


class Clock:
    """Monotonic time source; tests inject a fake one."""

    def monotonic(self) -> float:
        return time.monotonic()


class Timer:
    """Handle returned by :meth:`EventBus.call_later`; cancel() is idempotent."""

    __slots__ = ("when", "seq", "fn", "cancelled")

    def __init__(self, when: float, seq: int, fn: Callable[[], None]):
        self.when, self.seq, self.fn, self.cancelled = when, seq, fn, False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: "Timer") -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


_STOP = object()


class BusTimeout(TimeoutError):
    """The bus worker did not run a ``call`` in time (it is stuck or flooded)."""


class EventBus:
    """One queue, one worker thread, isolated subscribers, timers on the worker."""

    def __init__(self, clock: Clock | None = None, maxsize: int = 10000):
        self._clock = clock or Clock()
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._subs: list[tuple[tuple[type, ...] | None, Subscriber]] = []
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._busy = 0

    def monotonic(self) -> float:
        """The bus's clock (what its timers run on): one time base for timers and waits."""
        return self._clock.monotonic()

    # -- wiring --------------------------------------------------------------
    def subscribe(self, fn: Subscriber, types: Iterable[type] | None = None) -> None:
        """Register before start(); ``types`` limits which events reach ``fn``."""
        self._subs.append((tuple(types) if types else None, fn))

    def unsubscribe(self, fn: Subscriber) -> None:
        self._subs = [(t, f) for t, f in self._subs if f is not fn]

    # -- producers (any thread) ----------------------------------------------
    def publish(self, event: Event) -> None:
        with self._idle:
            self._busy += 1
        self._queue.put(("event", event))

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the worker thread (used by other threads to reach domain state)."""
        with self._idle:
            self._busy += 1
        self._queue.put(("call", fn))

    def call(self, fn: Callable[[], Any], timeout: float = 2.0) -> Any:
        """Run ``fn`` on the worker and return its result (or raise its exception) in the
        calling thread; ``BusTimeout`` when the worker does not get to it in ``timeout``."""
        if self.in_worker:
            return fn()
        done = threading.Event()
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = fn()
            except Exception as exc:  # handed back to the caller's thread
                box["error"] = exc
            finally:
                done.set()

        self.call_soon(run)
        if not done.wait(timeout):
            raise BusTimeout("the event bus did not run the call in time")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def call_later(self, delay: float, fn: Callable[[], None]) -> Timer:
        """Schedule ``fn`` on the worker. Call from the worker thread only."""
        timer = Timer(self._clock.monotonic() + max(0.0, delay), next(self._seq), fn)
        heapq.heappush(self._timers, timer)
        return timer

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="bus", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        self._queue.put(("stop", _STOP))
        self._thread.join(timeout)
        self._thread = None

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every published event has been handled (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    @property
    def in_worker(self) -> bool:
        return threading.current_thread() is self._thread

    # -- worker ----------------------------------------------------------------
    def _next_timeout(self) -> float | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        if not self._timers:
            return None
        return max(0.0, self._timers[0].when - self._clock.monotonic())

    def _run_due_timers(self) -> None:
        now = self._clock.monotonic()
        while self._timers and (self._timers[0].cancelled or self._timers[0].when <= now):
            timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._guarded(timer.fn, None)

    def _run(self) -> None:
        while True:
            try:
                kind, item = self._queue.get(timeout=self._next_timeout())
            except queue.Empty:
                self._run_due_timers()
                continue
            if kind == "stop":
                return
            try:
                if kind == "event":
                    self._dispatch(item)
                else:
                    self._guarded(item, None)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()
            self._run_due_timers()

    def _dispatch(self, event: Event) -> None:
        for types, fn in list(self._subs):
            if types is None or isinstance(event, types):
                self._guarded(lambda fn=fn: fn(event), event)

    @staticmethod
    def _guarded(fn: Callable[[], None], event: Event | None) -> None:
        try:
            fn()
        except Exception:  # a failing subscriber is logged, never fatal
            call_id = getattr(event, "call_id", "-") if event is not None else "-"
            log.exception("subscriber failed call_id=%s event=%s", call_id,
                          event.name if event is not None else "timer")
