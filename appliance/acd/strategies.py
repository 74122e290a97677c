"""Who gets the next caller: pure functions over the free dispatchers.

``free`` lists the members of the queue who are free now, in the order of
``[[dispatcher]]`` in the config. ``ctx`` says which queue asks and who was rung
last there (round-robin). Every strategy first keeps only the free members with
the lowest penalty for the queue (``[[dispatcher]] skills``): a dispatcher with a
higher penalty is rung only when no one better is free or all of them refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from appliance.acd.agents import Agent


@dataclass(frozen=True)
class Context:
    queue: str = ""
    last: str = ""  # the dispatcher this queue rang last (round-robin)


def best_tier(free: Sequence[Agent], queue: str) -> list[Agent]:
    """The free dispatchers with the lowest penalty for ``queue`` (0 when none is set)."""
    if not free:
        return []
    low = min(a.penalty(queue) for a in free)
    return [a for a in free if a.penalty(queue) == low]


def ring_all(free: Sequence[Agent], ctx: Context = Context()) -> list[Agent]:
    """Every free dispatcher (of the best tier) rings; the first to answer takes the call."""
    return best_tier(free, ctx.queue)


def longest_idle(free: Sequence[Agent], ctx: Context = Context()) -> list[Agent]:
    """The dispatcher who has been free the longest (fair share of the work)."""
    tier = best_tier(free, ctx.queue)
    return [min(tier, key=lambda a: (a.idle_since, a.name))] if tier else []


def round_robin(free: Sequence[Agent], ctx: Context = Context()) -> list[Agent]:
    """The next free dispatcher after the one rung last, in config order, wrapping round."""
    tier = best_tier(free, ctx.queue)
    if not tier:
        return []
    order = [a.order for a in tier]
    last = next((a.order for a in free if a.name == ctx.last), None)
    if last is None:
        return [tier[0]]
    after = [a for a in tier if a.order > last]
    return [after[0] if after else tier[order.index(min(order))]]


def fewest_calls(free: Sequence[Agent], ctx: Context = Context()) -> list[Agent]:
    """The dispatcher who answered the fewest calls so far; ties go to the longest idle."""
    tier = best_tier(free, ctx.queue)
    return [min(tier, key=lambda a: (a.calls_answered, a.idle_since, a.name))] if tier else []


def skills(free: Sequence[Agent], ctx: Context = Context()) -> list[Agent]:
    """Skills-based: the best tier for this queue only, longest idle first, one at a time;
    unlike the other strategies, a member without a penalty for the queue comes last."""
    if not free:
        return []
    ranked = sorted(free, key=lambda a: (a.penalty(ctx.queue, unset=1 << 20), a.idle_since,
                                         a.name))
    return ranked[:1]


Strategy = Callable[[Sequence[Agent], Context], list[Agent]]

STRATEGIES: dict[str, Strategy] = {
    "ringall": ring_all,
    "longest-idle": longest_idle,
    "round-robin": round_robin,
    "fewest-calls": fewest_calls,
    "skills": skills,
}
