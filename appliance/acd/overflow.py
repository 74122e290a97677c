"""Where a caller goes when the queue cannot keep them: overflow and callbacks.

Mixed into :class:`~appliance.acd.acd.Acd`. ``max_length`` (on arrival) and
``max_wait_s`` (while waiting) send a caller to the queue's ``overflow``: another
queue (keeping their waiting time), voicemail (through the call flow's router),
a callback, or a goodbye. A callback keeps the caller's place: the entry stays in
the queue without a caller leg; at its turn the box rings a free dispatcher first
and then calls the customer back on the line they came in on (appliance/callback.py).
"""

from __future__ import annotations

import logging

from appliance import events as ev
from appliance.acd.agents import AgentTrigger
from appliance.errors import CallboxError

log = logging.getLogger("callbox.acd")


class OverflowMixin:
    # ---------------------------------------------------------------- overflow
    def _overflow_new(self, call_id: str, queue: str, caller: str, line: str,
                      since: float | None) -> None:
        """The queue is full (``max_length``) as this caller arrives."""
        conf = self._queues[queue]
        log.info("call_id=%s queue %s is full: %s", call_id, queue, conf.overflow)
        self._reach.setdefault(call_id, "")
        self._overflow(call_id, queue, caller, line, since, "queue full")

    def _waited_too_long(self, call_id: str) -> None:
        waiting = self.waiting.get(call_id)
        if waiting is None or waiting.hold is None:
            return
        log.info("call_id=%s waited %.0f s in %s: overflow", call_id,
                 self._now() - waiting.since, waiting.queue)
        self._leave(call_id)
        self.dispatch()
        self._overflow(call_id, waiting.queue, waiting.caller, waiting.line, waiting.since,
                       "waited too long")

    def _overflow(self, call_id: str, queue: str, caller: str, line: str,
                  since: float | None, why: str) -> None:
        target = self._queues[queue].overflow
        kind, _, other = target.partition(":")
        seen = self._hops.setdefault(call_id, set())
        seen.add(queue)
        if kind == "queue" and other not in seen:
            self.enqueue(call_id, other, caller, line, since=since)
            return
        if target == "voicemail" and self.router is not None and self.router(call_id, queue):
            self._hops.pop(call_id, None)
            return
        if target == "callback" and self._reach.get(call_id):
            from appliance.acd.acd import Waiting  # the queue's record type
            waiting = Waiting(call_id, queue, caller, self._now() if since is None else since,
                              ev.utcnow(), None, line=line)
            self.waiting[call_id] = waiting
            self._become_callback(waiting)
            return
        self._goodbye(call_id, "queue_full", "failed", f"{why}: sent away")

    def _goodbye(self, call_id: str, prompt: str, disposition: str, cause: str) -> None:
        token = self._control.play(call_id, [self._prompt(prompt)])
        self._farewell[call_id] = (token, disposition, cause)

    def farewell_finished(self, call_id: str, token: int) -> bool:
        found = self._farewell.get(call_id)
        if found is None or found[0] != token:
            return False
        self._control.hangup(call_id)
        return True

    def farewell_hung_up(self, call_id: str) -> bool:
        """The caller of a goodbye or a booked callback is gone: their record ends."""
        found = self._farewell.pop(call_id, None)
        self._hops.pop(call_id, None)
        self._reach.pop(call_id, None)
        if found is None:
            return False
        _, disposition, cause = found
        self._end(call_id, disposition, cause, "box")
        return True

    # ---------------------------------------------------------------- callbacks
    def _book_callback(self, waiting) -> None:
        if not self._reach.get(waiting.call_id):
            log.info("call_id=%s asked for a callback, but the number is unknown", waiting.call_id)
            return
        for leg_id in list(waiting.legs):  # phones ringing for them stop: they ring again later
            offer = self.offers.pop(leg_id, None)
            if offer is not None:
                self._cancel(offer.timer)
                self._control.hangup(leg_id, 487)
                self._agent_fire(offer.agent, AgentTrigger.CANCEL)
        waiting.legs.clear()
        if waiting.hold is not None:
            waiting.hold.stop()
        self._cancel(waiting.max_wait)
        self._become_callback(waiting)
        self.dispatch()

    def _become_callback(self, waiting) -> None:
        waiting.hold = None
        waiting.callback_to = self._reach[waiting.call_id]
        log.info("call_id=%s callback booked in %s (place kept)", waiting.call_id, waiting.queue)
        self._goodbye(waiting.call_id, "callback_booked", "callback",
                      "caller asked to be called back")
        self._queue_changed(waiting.queue)

    def _start_callback(self, waiting, agent) -> None:
        """Their turn: ring ``agent`` first, then call the customer back."""
        if self.callbacks is None:
            return
        self.waiting.pop(waiting.call_id, None)
        line = waiting.line if waiting.line in self._gsm_lines() else ""
        number = waiting.callback_to if not line else waiting.caller or waiting.callback_to
        try:
            self.callbacks.start(agent.name, number, line, queue=waiting.queue,
                                 on_end=lambda answered: self._callback_ended(waiting, agent.name,
                                                                              answered))
        except (ValueError, CallboxError) as exc:  # cannot be dialled: dropped, and said why
            log.error("call_id=%s callback to %s impossible: %s", waiting.call_id, number, exc)
        self._queue_changed(waiting.queue)

    def _callback_ended(self, waiting, agent: str, dispatcher_answered: bool) -> None:
        if dispatcher_answered:
            return  # talked, or the customer was not reached: done either way
        waiting.tried.add(agent)  # that dispatcher did not answer: back in place, next one
        self.waiting[waiting.call_id] = waiting
        self._queue_changed(waiting.queue)
        self.dispatch()

    def _gsm_lines(self):
        return getattr(self.callbacks, "gsm_lines", ())
