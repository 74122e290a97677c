"""Lamp patterns and which domain state shows which pattern (pure, no GPIO).

See docs/lamps.md for the table a dispatcher reads.
"""

from __future__ import annotations

from enum import StrEnum


class Pattern(StrEnum):
    OFF = "off"
    ON = "on"
    BLINK = "blink"
    FAST_BLINK = "fast-blink"
    DOUBLE_FLASH = "double-flash"


# One cycle of each pattern as (lit, seconds) steps; OFF and ON have no cycle.
STEPS: dict[Pattern, tuple[tuple[bool, float], ...]] = {
    Pattern.OFF: (),
    Pattern.ON: (),
    Pattern.BLINK: ((True, 0.5), (False, 0.5)),
    Pattern.FAST_BLINK: ((True, 0.15), (False, 0.15)),
    Pattern.DOUBLE_FLASH: ((True, 0.15), (False, 0.15), (True, 0.15), (False, 1.05)),
}


def slots(steps: tuple[tuple[bool, float], ...]) -> tuple[float, tuple[bool, ...]]:
    """A cycle as equal time slots: (slot seconds, lit per slot).

    Lets a lamp driver play any pattern by writing one value per slot.
    Every step must be a whole multiple of the shortest one.
    """
    if not steps:
        raise ValueError("a steady pattern has no cycle")
    quantum = min(seconds for _, seconds in steps)
    values: list[bool] = []
    for lit, seconds in steps:
        count = round(seconds / quantum)
        if abs(count * quantum - seconds) > 1e-6:
            raise ValueError(f"{seconds} s is not a multiple of {quantum} s")
        values += [lit] * count
    return quantum, tuple(values)


# --- dispatcher lamp ----------------------------------------------------------

DISPATCHER: dict[str, Pattern] = {
    "offline": Pattern.OFF,
    "available": Pattern.OFF,
    "ringing": Pattern.BLINK,
    "busy": Pattern.ON,
    "wrapup": Pattern.ON,
    "paused": Pattern.DOUBLE_FLASH,
}


def dispatcher_pattern(state: str) -> Pattern:
    """ValueError for a state this table does not know."""
    try:
        return DISPATCHER[state]
    except KeyError:
        raise ValueError(f"unknown dispatcher state {state!r}") from None


# --- queue lamp ---------------------------------------------------------------

def queue_pattern(waiting: int, over_target: bool) -> Pattern:
    if waiting <= 0:
        return Pattern.OFF
    return Pattern.FAST_BLINK if over_target else Pattern.ON


# --- line lamp ----------------------------------------------------------------

LINE: dict[str, Pattern] = {
    "idle": Pattern.OFF,
    "up": Pattern.OFF,
    "busy": Pattern.ON,
    "no-signal": Pattern.BLINK,
    "no-sim": Pattern.BLINK,
    "unregistered": Pattern.BLINK,
    "down": Pattern.BLINK,
    "alarm": Pattern.BLINK,
}


def line_pattern(state: str) -> Pattern:
    """ValueError for a line state this table does not know."""
    try:
        return LINE[state]
    except KeyError:
        raise ValueError(f"unknown line state {state!r}") from None


# --- status lamp ----------------------------------------------------------------

def status_pattern(running: bool, alarms: int) -> Pattern:
    """Steady on while the core runs; blinking while any alarm is raised."""
    if not running:
        return Pattern.OFF
    return Pattern.BLINK if alarms else Pattern.ON
