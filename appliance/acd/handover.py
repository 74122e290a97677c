"""A conversation changes hands (transfer between dispatchers): mixed into ``Acd``.

The queue's ``Conversation`` of a call stays in ``talks`` for the whole transfer, with
the first dispatcher (A) on it, so a caller who hangs up meanwhile ends the call the
usual way. ``transfers`` (appliance/transfer, set by the composition root) is asked
first when A's leg ends: during a transfer that is not the end of the call.
Runs on the bus worker, like the rest of the queue.
"""

from __future__ import annotations

from appliance.config.model import QueueConfig


class HandoverMixin:
    """Needs ``talks``, ``agents``, ``waiting``, ``_queues``, ``_now``, ``_finish_talk``,
    ``enqueue`` from :class:`Acd`."""

    transfers = None  # appliance.transfer.Transfers: dispatcher_left(call_id) -> bool

    def transfer_holds(self, call_id: str) -> bool:
        """True when a transfer keeps the caller although their dispatcher's leg ended."""
        return self.transfers is not None and self.transfers.dispatcher_left(call_id)

    def ring_timeout(self, call_id: str) -> float:
        """How long a transfer target may ring: the call's queue's ``ring_timeout_s``."""
        talk = self.talks.get(call_id)
        return self.queue_ring_timeout(talk.queue if talk is not None else "")

    def queue_ring_timeout(self, queue: str) -> float:
        """A queue's ``ring_timeout_s`` (the default for a queue not configured)."""
        return (self._queues.get(queue) or QueueConfig(name="")).ring_timeout_s

    def hand_over(self, call_id: str, leg_id: str, name: str) -> str:
        """``name`` (already BUSY on ``leg_id``) takes the call over; the dispatcher who
        had it wraps up as after any call. Returns that dispatcher's name."""
        talk = self.talks[call_id]
        previous = talk.agent
        self._finish_talk(talk)  # counts the call, talk time, wrap-up
        talk.agent, talk.leg_id, talk.started = name, leg_id, self._now()
        self.agents[name].leg_id = leg_id
        return previous

    def requeue_front(self, call_id: str, caller: str) -> str:
        """The caller's dispatcher left during a transfer that failed: they wrap up and
        the caller waits again at the front of the queue. Returns the queue."""
        talk = self.talks.pop(call_id)
        self._finish_talk(talk)
        ahead = [w.since for w in self.waiting.values() if w.queue == talk.queue]
        since = min(ahead) - 0.001 if ahead else self._now()
        self.enqueue(call_id, talk.queue, caller, since=since)
        return talk.queue
