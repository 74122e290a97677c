"""The lamp board: GPIO lamps that follow dispatcher, queue, line and alarm events.

``handle`` runs on the bus worker; ``status``, ``self_test`` and ``close`` may be
called from other threads, so lamp state sits behind one lock. Blinking runs on
gpiozero's own background threads (``blink`` or a ``source`` iterator), so the
bus worker never sleeps for a lamp.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from typing import Callable, Iterable

from gpiozero import LED, Factory, GPIOZeroError

from appliance.errors import CallboxError
from appliance.events import (AlarmCleared, AlarmRaised, DispatcherStateChanged, Event,
                              LampChanged, LineStateChanged, QueueChanged)
from appliance.lamps.patterns import (STEPS, Pattern, dispatcher_pattern, line_pattern,
                                      queue_pattern, slots, status_pattern)
from appliance.lamps.pins import make_pin_factory
from appliance.lamps.specs import ALL_QUEUES, LampKind, LampSpec, lamps_from_config

__all__ = ["EVENT_TYPES", "LampBoard", "LampSpec", "LampKind", "lamps_from_config",
           "make_pin_factory"]

log = logging.getLogger("callbox.lamps")

# What to subscribe the board to: bus.subscribe(board.handle, EVENT_TYPES)
EVENT_TYPES: tuple[type[Event], ...] = (DispatcherStateChanged, QueueChanged,
                                        LineStateChanged, AlarmRaised, AlarmCleared)


class _Lamp:
    __slots__ = ("spec", "led", "pattern")

    def __init__(self, spec: LampSpec, led: LED):
        self.spec, self.led, self.pattern = spec, led, Pattern.OFF


def drive(led: LED, pattern: Pattern) -> None:
    """Make ``led`` show ``pattern``, replacing whatever it showed."""
    led.source = None  # stops a running double-flash
    steps = STEPS[pattern]
    if pattern is Pattern.OFF:
        led.off()
    elif pattern is Pattern.ON:
        led.on()
    elif len(steps) == 2 and steps[0][0] and not steps[1][0]:
        led.blink(on_time=steps[0][1], off_time=steps[1][1], background=True)
    else:
        # Irregular cycles (double-flash) play as equal slots from a source iterator.
        quantum, values = slots(steps)
        led.off()
        led.source_delay = quantum
        led.source = itertools.cycle(values)


class LampBoard:
    def __init__(self, pin_factory: Factory, lamps: Iterable[LampSpec],
                 publish: Callable[[Event], None], *,
                 sleep: Callable[[float], None] = time.sleep):
        self._publish = publish
        self._sleep = sleep
        self._lock = threading.Lock()
        self._queues: dict[str, tuple[int, bool]] = {}  # queue -> (waiting, over target)
        self._alarms: set[str] = set()
        self._testing = False
        self._closed = False
        self._lamps: list[_Lamp] = []
        for spec in lamps:
            self._lamps.append(_Lamp(spec, self._open_led(pin_factory, spec)))
        self._show(self._status_patterns())  # status lamp on: the core is running

    def _open_led(self, pin_factory: Factory, spec: LampSpec) -> LED:
        try:
            return LED(spec.pin, pin_factory=pin_factory)
        except GPIOZeroError as exc:
            for lamp in self._lamps:
                lamp.led.close()
            raise CallboxError(f"lamp {spec.name!r} on GPIO{spec.pin}: {exc}") from exc

    # -- bus subscriber (bus worker) -------------------------------------------
    def handle(self, event: Event) -> None:
        try:
            changes = self._patterns_for(event)
        except ValueError as exc:  # a state the lamp tables do not know: keep the lamp as is
            log.warning("lamps: %s in %s", exc, event.name)
            return
        self._show(changes)

    def _patterns_for(self, event: Event) -> list[tuple[_Lamp, Pattern]]:
        if isinstance(event, DispatcherStateChanged):
            pattern = dispatcher_pattern(event.state)
            return [(lamp, pattern) for lamp in self._of(LampKind.DISPATCHER, event.dispatcher)]
        if isinstance(event, LineStateChanged):
            pattern = line_pattern(event.state)
            return [(lamp, pattern) for lamp in self._of(LampKind.LINE, event.line)]
        if isinstance(event, QueueChanged):
            self._queues[event.queue] = (event.waiting, event.over_target)
            return [(lamp, self._queue_lamp_pattern(lamp.spec.target))
                    for lamp in self._lamps if lamp.spec.kind is LampKind.QUEUE]
        if isinstance(event, AlarmRaised):
            self._alarms.add(event.source)
            return self._status_patterns()
        if isinstance(event, AlarmCleared):
            self._alarms.discard(event.source)
            return self._status_patterns()
        return []

    def _of(self, kind: LampKind, target: str) -> list[_Lamp]:
        return [lamp for lamp in self._lamps
                if lamp.spec.kind is kind and lamp.spec.target == target]

    def _queue_lamp_pattern(self, target: str) -> Pattern:
        shown = self._queues.values() if target == ALL_QUEUES else [
            self._queues.get(target, (0, False))]
        waiting = sum(w for w, _ in shown)
        over = any(o for w, o in shown if w > 0)
        return queue_pattern(waiting, over)

    def _status_patterns(self) -> list[tuple[_Lamp, Pattern]]:
        pattern = status_pattern(running=True, alarms=len(self._alarms))
        return [(lamp, pattern) for lamp in self._lamps if lamp.spec.kind is LampKind.STATUS]

    def _show(self, changes: list[tuple[_Lamp, Pattern]]) -> None:
        changed: list[_Lamp] = []
        with self._lock:
            if self._closed:
                return
            for lamp, pattern in changes:
                if lamp.pattern is pattern:
                    continue
                lamp.pattern = pattern
                if not self._testing:  # the self-test restores real patterns when done
                    drive(lamp.led, pattern)
                changed.append(lamp)
        for lamp in changed:
            log.debug("lamp %s (GPIO%d) -> %s", lamp.spec.name, lamp.spec.pin, lamp.pattern)
            self._publish(LampChanged(lamp.spec.name, lamp.spec.pin, lamp.pattern.value))

    # -- any thread ------------------------------------------------------------
    def status(self) -> list[dict[str, object]]:
        """[{"name", "pin", "state"}] with state off|on|blink|fast-blink|double-flash."""
        with self._lock:
            return [{"name": lamp.spec.name, "pin": lamp.spec.pin,
                     "state": Pattern.OFF.value if self._closed else lamp.pattern.value}
                    for lamp in self._lamps]

    def self_test(self, step_s: float = 0.5) -> None:
        """Light every lamp alone, one after the other, then show the real states again.

        Blocks for ``step_s`` per lamp; run it at first boot or from a
        technician's action, not on the bus worker.
        """
        with self._lock:
            if self._closed:
                return
            self._testing = True
            for lamp in self._lamps:
                drive(lamp.led, Pattern.OFF)
        try:
            for lamp in self._lamps:
                self._drive_locked(lamp, Pattern.ON)
                self._sleep(step_s)
                self._drive_locked(lamp, Pattern.OFF)
        finally:
            with self._lock:
                self._testing = False
                if not self._closed:
                    for lamp in self._lamps:
                        drive(lamp.led, lamp.pattern)

    def _drive_locked(self, lamp: _Lamp, pattern: Pattern) -> None:
        with self._lock:
            if not self._closed:
                drive(lamp.led, pattern)

    def close(self) -> None:
        """Switch every lamp off and release the pins (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for lamp in self._lamps:
                lamp.led.off()
                lamp.led.close()
