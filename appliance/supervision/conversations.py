"""Every live conversation a dispatcher is on, whoever set it up: the queue (callers
from the menu, ``dispatcher:NAME`` menu actions, which are queues of one) and callbacks
(click-to-call and a queue's callback keeping the caller's place: leg A = the
dispatcher, leg B = the customer).

Supervision joins any of them through the same two legs; it does not care who placed
them. Read on the bus worker, like the ACD and the callbacks themselves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Live:
    call_id: str
    caller_leg: str  # the customer's side (an inbound caller, or a callback's leg B)
    dispatcher_leg: str
    dispatcher: str


class LiveConversations:
    def __init__(self, acd, callbacks=None):
        self._acd = acd
        self._callbacks = callbacks  # appliance.callback.Callbacks, or None

    def all(self) -> list[Live]:
        out = [Live(t.call_id, t.call_id, t.leg_id, t.agent) for t in self._acd.talks.values()]
        if self._callbacks is not None:
            out += [Live(cb.call_id, cb.leg_b, cb.leg_a, cb.dispatcher)
                    for cb in self._callbacks.talking()]
        return out

    def get(self, call_id: str) -> Live | None:
        return next((c for c in self.all() if c.call_id == call_id), None)

    def of(self, dispatcher: str) -> Live | None:
        """The conversation ``dispatcher`` is on, or None."""
        return next((c for c in self.all() if c.dispatcher == dispatcher), None)
