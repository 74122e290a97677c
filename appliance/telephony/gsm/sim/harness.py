"""Helpers to drive a GsmLine against a SimModem (tests, demo checks).

``EventLog`` is a publish callable that records events and lets a caller wait for
one; ``sim_line`` wires a line to a simulator the way the composition root wires a
real modem (pyserial on the by-id path, the simulator's power cycle as the hook).
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from appliance.config.model import GsmConfig
from appliance.events import Event
from appliance.store.messages import MessageStore
from appliance.telephony.gsm.init import InitTiming
from appliance.telephony.gsm.line import GsmLine, GsmTiming
from appliance.telephony.gsm.power import CallbackPowerHook
from appliance.telephony.gsm.sim.modem import SimModem


class EventLog:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def of(self, kind: type) -> list:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, kind: type, pred: Callable[[Event], bool] = lambda e: True,
                 timeout: float = 5.0, count: int = 1):
        """The ``count``-th event of ``kind`` matching ``pred``; raises on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [e for e in self.events if isinstance(e, kind) and pred(e)]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [e.name for e in self.events]
                    raise TimeoutError(f"no {kind.__name__} within {timeout}s; saw {names}")
                self._cond.wait(left)


def wait_until(pred: Callable[[], object], timeout: float = 5.0, every: float = 0.01):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(every)


def fast_timing(**overrides) -> GsmTiming:
    """Intervals for a simulator that answers in microseconds."""
    base = dict(command_timeout=0.5, command_timeout_cap=1.0, ping_every=0.2,
                ping_timeout=0.3, health_every=5.0, clip_wait=0.3, dial_timeout=5.0,
                ussd_timeout=2.0, ussd_release_grace=0.3, balance_first_after=0.1,
                reset_settle=0.05, port_wait=1.0, alarm_retry_every=0.5, pin_ready_grace=1.0,
                partial_sms_timeout=600.0, atd_hold_min=0.4, clcc_poll_every=0.1, ring_gap=7.0,
                init=InitTiming(sync_for=0.3, sync_timeout=0.15, pin_ready_for=1.0,
                                cpin_timeout=0.3, sim_settle=0.05))
    base.update(overrides)
    return GsmTiming(**base)


def sim_line(sim: SimModem, publish: Callable[[Event], None], store: MessageStore,
             profile: str | None = None, pin: str = "", timing: GsmTiming | None = None,
             power: bool = True, balance_ussd: str = "", region: str = "IR") -> GsmLine:
    cfg = GsmConfig(name=sim.name, port=sim.port, audio_port=sim.audio_port,
                    profile=profile or sim.profile, pin=pin, balance_ussd=balance_ussd)
    hook = CallbackPowerHook(sim.power_cycle) if power else None
    return GsmLine(cfg, publish, store=store, power_hook=hook, timing=timing or fast_timing(),
                   region=region)
