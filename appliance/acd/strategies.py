"""Who gets the next caller: pure functions over the free dispatchers."""

from __future__ import annotations

from typing import Callable, Sequence

from appliance.acd.agents import Agent


def ring_all(free: Sequence[Agent]) -> list[Agent]:
    """Every free dispatcher rings; the first to answer takes the call."""
    return list(free)


def longest_idle(free: Sequence[Agent]) -> list[Agent]:
    """The dispatcher who has been free the longest (fair share of the work)."""
    return [min(free, key=lambda a: (a.idle_since, a.name))] if free else []


STRATEGIES: dict[str, Callable[[Sequence[Agent]], list[Agent]]] = {
    "ringall": ring_all,
    "longest-idle": longest_idle,
}
