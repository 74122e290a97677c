"""Where a transferable conversation lives: the queue's talks, or a callback.

A transfer moves "the customer's leg" from dispatcher A's leg to B's. For a queue call
the customer's leg is the inbound call itself (``call_id``); for a callback or a
click-to-call it is the leg the box placed to the customer (leg B of the callback).
This module gives the transfer logic one view of both, and hands the conversation to
its owner's own bookkeeping when B takes over or A has gone. Bus worker only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Seat:
    call_id: str  # the call record's id
    caller_leg: str  # the customer's leg
    leg_id: str  # the dispatcher's leg
    agent: str
    queue: str  # "" for click-to-call
    number: str  # the customer's number ("" when unknown here)
    kind: str  # queue | callback


class Seats:
    def __init__(self, acd, callbacks=None):
        self._acd = acd
        self._callbacks = callbacks  # appliance.callback.Callbacks, or None

    def all(self) -> list[Seat]:
        out = [Seat(t.call_id, t.call_id, t.leg_id, t.agent, t.queue, "", "queue")
               for t in self._acd.talks.values() if t.leg_id]
        if self._callbacks is not None:
            out += [Seat(cb.call_id, cb.leg_b, cb.leg_a, cb.dispatcher, cb.queue, cb.number,
                         "callback") for cb in self._callbacks.talking()]
        return out

    def get(self, call_id: str) -> Seat | None:
        return next((s for s in self.all() if s.call_id == call_id), None)

    def by_leg(self, leg_id: str) -> Seat | None:
        """The conversation whose dispatcher's leg is ``leg_id``."""
        return next((s for s in self.all() if s.leg_id == leg_id), None)

    def ring_timeout(self, seat: Seat) -> float:
        return self._acd.queue_ring_timeout(seat.queue)

    def hand_over(self, seat: Seat, leg_id: str, name: str) -> None:
        """B (already BUSY on ``leg_id``) has the conversation; A wraps up."""
        if seat.kind == "callback":
            self._callbacks.hand_over(seat.call_id, leg_id, name)
        else:
            self._acd.hand_over(seat.call_id, leg_id, name)

    def orphaned(self, seat: Seat, caller: str) -> str:
        """A's leg went during a transfer that failed: a queue caller waits at the front
        of their queue again (returns ``queue:<name>``); a callback's customer has nobody
        left and is hung up (returns "")."""
        if seat.kind == "callback":
            self._callbacks.drop(seat.call_id, "dispatcher left during a failed transfer")
            return ""
        return "queue:" + self._acd.requeue_front(seat.call_id, caller)
