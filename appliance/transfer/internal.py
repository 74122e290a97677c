"""Calls between dispatchers through the box: a phone dials a colleague's extension.

Dispatcher A's phone calls the box with B's extension (or name) as the user — to ask a
colleague something, or to consult B before an attended transfer. No menu, no queue:
the box (which answers SIP callers on admission) plays ringback to A and rings B's phone
on a new leg (``int-…``) showing A's extension. B answers → A and B are bridged; either
hanging up ends the call. B not free, not answering within ``ring_timeout_s`` (the
longest of B's queues) or refusing → A hears "your colleague is not available" and the
box hangs up. While the call lasts B is busy (no queue caller is offered to them) and so
is A when they were free. Each call is one row in the call log (``internal:A>B``).

An attended transfer from the phone (REFER with Replaces naming this call, see
appliance/telephony/sip/refer.py) takes B's leg over: :meth:`hand_over` gives the leg to
the transfer and hangs up A's side. One explicit state machine per call; a bus
subscriber (runs on the bus worker).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable

from appliance import events as ev
from appliance.acd.agents import AgentState
from appliance.ivr.direct import PREFIX as DIRECT_QUEUE
from appliance.telephony.numbers import user_of_uri

log = logging.getLogger("callbox.transfer")

EVENT_TYPES = (ev.CallOffered, ev.LegAnswered, ev.LegEnded, ev.CallHungUp, ev.PromptFinished)
UNAVAILABLE = "colleague_unavailable"  # prompt key (texts: INTERNAL_TEXTS)

INTERNAL_TEXTS = {
    "en": {UNAVAILABLE: "Your colleague is not available now."},
    "fa": {UNAVAILABLE: "همکار شما اکنون در دسترس نیست."},
    "ru": {UNAVAILABLE: "Ваш коллега сейчас недоступен."},
}


class Phase(StrEnum):
    RINGING = "ringing"  # A hears ringback, B's phone rings
    TALKING = "talking"
    REFUSED = "refused"  # A hears "not available", then the box hangs up
    DONE = "done"


# (phase, input) -> (next phase, action); an unknown pair raises.
TRANSITIONS: dict[tuple[Phase, str], tuple[Phase, str]] = {
    (Phase.RINGING, "b_not_free"): (Phase.REFUSED, "unreached"),
    (Phase.RINGING, "b_answered"): (Phase.TALKING, "connect"),
    (Phase.RINGING, "b_ended"): (Phase.REFUSED, "unreached"),
    (Phase.RINGING, "timeout"): (Phase.REFUSED, "unreached"),
    (Phase.RINGING, "a_hung_up"): (Phase.DONE, "abandon"),
    (Phase.RINGING, "handed_over"): (Phase.DONE, "let_go"),
    (Phase.TALKING, "a_hung_up"): (Phase.DONE, "end"),
    (Phase.TALKING, "b_ended"): (Phase.DONE, "end"),
    (Phase.TALKING, "handed_over"): (Phase.DONE, "let_go"),
    (Phase.REFUSED, "prompt_done"): (Phase.DONE, "hang_up"),
    (Phase.REFUSED, "a_hung_up"): (Phase.DONE, "record_unreached"),
}


@dataclass
class InternalCall:
    call_id: str  # A's call into the box
    caller: str  # A's name
    callee: str  # B's name
    leg: str  # B's leg
    phase: Phase = Phase.RINGING
    caller_held: bool = False  # A was free: kept busy by this call
    started: float = 0.0
    why: str = ""  # B unreached: busy, no answer, ...
    ended_by: str = ""  # caller (A) | dispatcher (B)
    token: int = 0  # the "not available" prompt
    timer: ev.Timer | None = None

    def view(self) -> dict:
        return {"call_id": self.call_id, "from": self.caller, "to": self.callee,
                "state": str(self.phase)}


def find_dispatcher(agents, to: str):
    """The dispatcher ``to`` names (name or extension, a URI's user), or None."""
    key = user_of_uri(to).strip().lower()
    return next((a for a in agents.values()
                 if key and key in (a.name.lower(), str(a.extension).lower())), None)


class InternalCalls:
    def __init__(self, acd, control, bus, who: Callable[[str, str], str | None],
                 prompt: Callable[[str], str]):
        self._acd = acd  # reserve / engaged / release, agents, ring_timeout of a queue
        self._control = control
        self._bus = bus
        self._who = who  # (SIP user, source host) -> the dispatcher whose phone it is
        self._prompt = prompt  # key -> WAV ("ringback", UNAVAILABLE)
        self._offered: dict[str, tuple[str, str]] = {}  # call_id -> (A, B), before answer
        self.calls: dict[str, InternalCall] = {}  # by A's call_id
        self._by_leg: dict[str, InternalCall] = {}

    # ------------------------------------------------------------------ queries
    def by_leg(self, leg_id: str) -> InternalCall | None:
        """The call whose A side (call_id) or B side (leg) ``leg_id`` is."""
        return self.calls.get(leg_id) or self._by_leg.get(leg_id)

    def status(self) -> list[dict]:
        return [c.view() for c in self.calls.values()]

    # ------------------------------------------------------------------ events
    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.CallOffered):
            self._on_offered(event)
        elif isinstance(event, ev.CallHungUp):
            self._offered.pop(event.call_id, None)
            if (call := self.calls.get(event.call_id)) is not None:
                call.ended_by = "caller"
                self._fire(call, "a_hung_up")
        elif isinstance(event, ev.PromptFinished):
            call = self.calls.get(event.call_id)
            if call is not None and call.phase == Phase.REFUSED and call.token == event.token:
                self._fire(call, "prompt_done")
        elif (call := self._by_leg.get(getattr(event, "leg_id", ""))) is not None:
            if isinstance(event, ev.LegAnswered):
                self._fire(call, "b_answered")
            elif isinstance(event, ev.LegEnded):
                call.why = f"{event.code} {event.reason}".strip()
                call.ended_by = "dispatcher"
                self._fire(call, "b_ended")

    def _on_offered(self, event: ev.CallOffered) -> None:
        if event.kind != "sip" or event.callee.startswith("*"):
            return  # feature codes are appliance/acd/features.py's
        callee = find_dispatcher(self._acd.agents, event.callee)
        if callee is None:
            return
        caller = self._who(event.caller_raw, event.source)
        if caller is None or caller == callee.name:
            return
        self._offered[event.call_id] = (caller, callee.name)

    def take(self, call_id: str) -> bool:
        """The call flow asks once a call is answered: True = a call between dispatchers,
        handled here (no menu)."""
        found = self._offered.pop(call_id, None)
        if found is None:
            return False
        caller, callee = found
        call = InternalCall(call_id, caller, callee, "int-" + uuid.uuid4().hex[:12],
                            started=self._bus.monotonic())
        self.calls[call_id] = self._by_leg[call.leg] = call
        self._bus.publish(ev.IvrStepped(call_id=call_id, node="internal",
                                        step=f"internal:{caller}>{callee}"))
        b = self._acd.agents[callee]
        if b.state != AgentState.AVAILABLE:
            call.why = str(b.state)  # on a call, paused, offline, wrapping up
            self._fire(call, "b_not_free")
            return True
        self._acd.reserve(callee, call.leg)
        if self._acd.agents[caller].state == AgentState.AVAILABLE:
            self._acd.reserve(caller, call_id)
            call.caller_held = True
        self._control.play(call_id, [self._prompt("ringback")], loop=True)
        call.timer = self._bus.call_later(self._ring_timeout(callee),
                                          lambda: self._timeout(call))
        log.info("call_id=%s %s calls %s", call_id, caller, callee)
        self._bus.publish(ev.DispatcherRinging(call_id=call_id, dispatcher=callee,
                                               leg_id=call.leg))
        self._control.originate(call.leg, b.phone, caller_id=self._acd.agents[caller].extension,
                                for_call=call_id)
        return True

    def hand_over(self, call: InternalCall) -> None:
        """An attended transfer takes B's leg: this call ends without touching B."""
        self._fire(call, "handed_over")

    # ------------------------------------------------------------------ machine
    def _timeout(self, call: InternalCall) -> None:
        call.timer = None
        if call.phase == Phase.RINGING:
            call.why = "no answer"
            self._fire(call, "timeout")

    def _fire(self, call: InternalCall, what: str) -> None:
        try:
            call.phase, action = TRANSITIONS[(call.phase, what)]
        except KeyError:
            raise RuntimeError(f"internal call {call.call_id}: no transition "
                               f"{call.phase}/{what}") from None
        getattr(self, "_do_" + action)(call)
        if call.phase == Phase.DONE:
            self._cancel(call)
            self.calls.pop(call.call_id, None)
            self._by_leg.pop(call.leg, None)

    def _do_connect(self, call: InternalCall) -> None:
        self._cancel(call)
        self._acd.engaged(call.callee)
        if call.caller_held:
            self._acd.engaged(call.caller)
        self._control.bridge(call.call_id, call.leg)  # stops the ringback
        self._bus.publish(ev.CallBridged(call_id=call.call_id, dispatcher=call.callee, queue="",
                                         wait_s=self._bus.monotonic() - call.started,
                                         legs=(call.call_id, call.leg)))

    def _do_unreached(self, call: InternalCall) -> None:
        self._cancel(call)
        if self._acd.agents[call.callee].leg_id == call.leg:  # B was rung: stop it
            self._control.hangup(call.leg, 487)
            self._bus.publish(ev.DispatcherNoAnswer(call_id=call.call_id, dispatcher=call.callee,
                                                    leg_id=call.leg, reason=call.why))
            self._acd.release(call.callee)
        self._free_caller(call)
        log.info("call_id=%s %s not reached (%s)", call.call_id, call.callee, call.why)
        call.token = self._control.play(call.call_id, [self._prompt(UNAVAILABLE)])

    def _do_abandon(self, call: InternalCall) -> None:
        self._stop_ringing_b(call)
        self._ended(call, "abandoned", f"caller hung up while {call.callee} rang", "caller")

    def _do_end(self, call: InternalCall) -> None:
        self._control.hangup(call.leg)
        self._control.hangup(call.call_id)
        self._acd.release(call.callee)
        self._free_caller(call)
        self._ended(call, "answered", f"internal call: {call.ended_by} hung up", call.ended_by)

    def _do_let_go(self, call: InternalCall) -> None:
        self._control.hangup(call.call_id)
        self._free_caller(call)
        self._ended(call, "answered", f"transferred: {call.callee} took the caller",
                    "dispatcher")

    def _do_hang_up(self, call: InternalCall) -> None:
        self._control.hangup(call.call_id)
        self._do_record_unreached(call)

    def _do_record_unreached(self, call: InternalCall) -> None:
        self._ended(call, "failed", f"{call.callee} not reached: {call.why}", "box")

    # ------------------------------------------------------------------ helpers
    def _stop_ringing_b(self, call: InternalCall) -> None:
        self._control.hangup(call.leg, 487)
        self._acd.release(call.callee)
        self._free_caller(call)

    def _free_caller(self, call: InternalCall) -> None:
        if call.caller_held:
            call.caller_held = False
            self._acd.release(call.caller)

    def _ended(self, call: InternalCall, disposition: str, cause: str, by: str) -> None:
        log.info("call_id=%s internal call %s>%s ended: %s", call.call_id, call.caller,
                 call.callee, cause)
        self._bus.publish(ev.CallEnded(call_id=call.call_id, disposition=disposition,
                                       hangup_cause=cause, ended_by=by))

    def _ring_timeout(self, name: str) -> float:
        return self._acd.queue_ring_timeout(DIRECT_QUEUE + name)  # B's longest ring time

    @staticmethod
    def _cancel(call: InternalCall) -> None:
        if call.timer is not None:
            call.timer.cancel()
            call.timer = None
