"""The informer's phone calls: an automatic call that speaks the car, or "ring on approach".

Runs on the bus worker. Each call is a small state machine (``Phase`` × ``Input`` →
``TRANSITIONS``); the outcome (answered, rung, failed) goes to ``report``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable

from appliance import events as ev

log = logging.getLogger("callbox.desk.informer")

ANSWER_TIMEOUT_S = 40.0


class Phase(StrEnum):
    DIALING = "dialing"
    SPEAKING = "speaking"  # answered: the message plays (call) or we hang up (ring)
    DONE = "done"


class Input(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"
    PLAYED = "played"
    RANG_ENOUGH = "rang_enough"
    TIMEOUT = "timeout"


P, I = Phase, Input
TRANSITIONS: dict[tuple[Phase, Input], tuple[Phase, str | None]] = {
    (P.DIALING, I.RINGING): (P.DIALING, "ringing"),
    (P.DIALING, I.ANSWERED): (P.SPEAKING, "answered"),
    (P.DIALING, I.ENDED): (P.DONE, "ended_unanswered"),
    (P.DIALING, I.RANG_ENOUGH): (P.DONE, "rang_enough"),
    (P.DIALING, I.TIMEOUT): (P.DONE, "no_answer"),
    (P.SPEAKING, I.RINGING): (P.SPEAKING, None),
    (P.SPEAKING, I.PLAYED): (P.DONE, "spoken"),
    (P.SPEAKING, I.ENDED): (P.DONE, "hung_up"),
    (P.SPEAKING, I.TIMEOUT): (P.DONE, "spoken"),
    (P.SPEAKING, I.RANG_ENOUGH): (P.SPEAKING, None),
}
_LEG = {ev.LegRinging: Input.RINGING, ev.LegAnswered: Input.ANSWERED, ev.LegEnded: Input.ENDED}
EVENT_TYPES = (ev.LegRinging, ev.LegAnswered, ev.LegEnded, ev.PromptFinished)

Report = Callable[[int, str, str], None]  # (order id, status, detail)


@dataclass
class _Call:
    order_id: int
    leg_id: str
    mode: str  # "call" | "ring"
    wav: str
    phase: Phase = Phase.DIALING
    rang: bool = False
    token: int = -1
    timer: ev.Timer | None = None
    ring_timer: ev.Timer | None = None


class InformCalls:
    def __init__(self, control, bus, report: Report, *, ring_s: float = 8.0,
                 answer_timeout_s: float = ANSWER_TIMEOUT_S):
        self._control = control
        self._bus = bus
        self._report = report
        self._ring_s = ring_s
        self._answer_timeout_s = answer_timeout_s
        self.active: dict[str, _Call] = {}

    def dial(self, order_id: int, uri: str, mode: str, wav: str = "") -> str:
        """Place the call (bus worker); returns its leg id."""
        call = _Call(order_id, "inform-" + uuid.uuid4().hex[:12], mode, wav)
        self.active[call.leg_id] = call
        call.timer = self._bus.call_later(self._answer_timeout_s,
                                          lambda: self._fire(call, Input.TIMEOUT))
        log.info("order %s: %s to %s leg=%s", order_id, mode, uri, call.leg_id)
        self._control.originate(call.leg_id, uri)
        return call.leg_id

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.PromptFinished):
            call = self.active.get(event.call_id)
            if call is not None and event.token == call.token:
                self._fire(call, Input.PLAYED)
            return
        call = self.active.get(getattr(event, "leg_id", ""))
        if call is not None and type(event) in _LEG:
            reason = f"{event.code} {event.reason}" if isinstance(event, ev.LegEnded) else ""
            self._fire(call, _LEG[type(event)], reason)

    def _fire(self, call: _Call, what: Input, reason: str = "") -> None:
        if call.phase == Phase.DONE:
            if what == Input.ENDED:
                self.active.pop(call.leg_id, None)  # the leg we hung up is gone now
            return
        try:
            call.phase, action = TRANSITIONS[(call.phase, what)]
        except KeyError:
            raise RuntimeError(f"inform call {call.leg_id}: no transition "
                               f"{call.phase}/{what}") from None
        if action is not None:
            getattr(self, "_do_" + action)(call, reason)
        if call.phase == Phase.DONE:
            self._cancel(call)
            if what == Input.ENDED:
                self.active.pop(call.leg_id, None)

    # ------------------------------------------------------------ actions
    def _do_ringing(self, call: _Call, reason: str) -> None:
        if call.mode == "ring" and not call.rang:
            call.rang = True
            call.ring_timer = self._bus.call_later(self._ring_s,
                                                   lambda: self._fire(call, Input.RANG_ENOUGH))

    def _do_answered(self, call: _Call, reason: str) -> None:
        if call.mode == "ring":  # they picked up: the ring did its job, it costs a call now
            self._control.hangup(call.leg_id)
            return
        call.token = self._control.play(call.leg_id, [call.wav])

    def _do_ended_unanswered(self, call: _Call, reason: str) -> None:
        if call.mode == "ring" and call.rang:  # declined after ringing: they noticed
            self._report(call.order_id, "rung", reason)
        else:
            self._report(call.order_id, "failed", reason or "not reached")

    def _do_rang_enough(self, call: _Call, reason: str) -> None:
        self._control.hangup(call.leg_id, 487)
        self._report(call.order_id, "rung", "")

    def _do_no_answer(self, call: _Call, reason: str) -> None:
        self._control.hangup(call.leg_id, 487)
        self._report(call.order_id, "failed", "no answer")

    def _do_spoken(self, call: _Call, reason: str) -> None:
        self._control.hangup(call.leg_id)
        self._report(call.order_id, "answered", "")

    def _do_hung_up(self, call: _Call, reason: str) -> None:
        self._report(call.order_id, "answered", "hung up early" if call.mode == "call" else "")

    @staticmethod
    def _cancel(call: _Call) -> None:
        for timer in (call.timer, call.ring_timer):
            if timer is not None:
                timer.cancel()
        call.timer = call.ring_timer = None
