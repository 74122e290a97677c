"""The recovery ladder: each failure climbs one rung, each success goes back down.

    reopen  close and reopen the port, re-run init (also on a reboot announcement)
    reset   AT+CFUN=1,1 (AT+CRESET on SIM7600), wait for the port, reopen, init
    power   the power-cycle hook (GPIO relay or USB port reset), then as above
    alarm   AlarmRaised; keep retrying "reopen" slowly; AlarmCleared when it works

Bounded: one pass climbs at most four rungs, never recursion. The rungs run on the
line's worker thread through the :class:`LineOps` the line provides.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Protocol

log = logging.getLogger("callbox.gsm.recovery")


class Step(StrEnum):
    REOPEN = "reopen"
    RESET = "reset"
    POWER = "power"
    ALARM = "alarm"


class Ladder:
    """Which rung comes next (pure; the line performs the rungs)."""

    def __init__(self, has_power_hook: bool):
        self.steps = [Step.REOPEN, Step.RESET] + ([Step.POWER] if has_power_hook else []) \
            + [Step.ALARM]
        self.level = 0  # 0 = healthy; n = rung n was the last one tried

    def next(self) -> Step:
        step = self.steps[min(self.level, len(self.steps) - 1)]
        self.level = min(self.level + 1, len(self.steps))
        return step

    def succeeded(self) -> None:
        self.level = 0

    @property
    def alarmed(self) -> bool:
        return self.level >= len(self.steps)


class LineOps(Protocol):
    def reopen_and_init(self) -> bool: ...

    def send_reset(self) -> bool: ...

    def power_cycle(self) -> bool: ...

    def wait_for_port(self) -> bool: ...

    def raise_alarm(self, message: str) -> None: ...


def recover(ladder: Ladder, ops: LineOps, reason: str, first: Step | None = None) -> bool:
    """Climb from ``first`` (or the next rung) until a rung works or the alarm is raised."""
    if first is not None:
        ladder.level = ladder.steps.index(first)
    for _ in range(len(ladder.steps)):
        step = ladder.next()
        log.warning("recovery step=%s reason=%s", step, reason)
        if step is Step.ALARM:
            ops.raise_alarm(f"modem not recovering ({reason})")
            return False
        if _run(step, ops):
            ladder.succeeded()
            log.info("recovered step=%s", step)
            return True
        reason = f"{step} failed"
    return False


def _run(step: Step, ops: LineOps) -> bool:
    if step is Step.REOPEN:
        return ops.reopen_and_init()
    if step is Step.RESET:
        if not ops.send_reset():
            return False
    elif step is Step.POWER:
        if not ops.power_cycle():
            return False
    return ops.wait_for_port() and ops.reopen_and_init()
