"""Callbacks (click-to-call): ring a dispatcher's phone, then call the customer, then bridge.

A dispatcher clicks "Call back" next to a number. The box rings the dispatcher's phone
(leg A); when they answer it plays "calling_customer" to them and calls the customer (leg B)
through the line the outbound router picks (``gsm:<line>/<number>`` or
``trunk:<name>/<number>``, appliance/routing) or, for a SIP address, the SIP engine;
when the customer answers the two legs are bridged. Whichever side hangs up, the
other is hung up too and the dispatcher wraps up like after a queue call.

A talking callback can be transferred to another dispatcher (appliance/transfer):
while the transfer lasts, A's leg ending does not end the call (``transfers`` is asked),
and :meth:`hand_over` makes the new dispatcher's leg leg A.

Runs on the bus worker (``handle`` is a bus subscriber; ``start`` is called there
through ``Core.on_bus``). Legs this module did not place are ignored.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Collection

from appliance import events as ev
from appliance.errors import CallboxError
from appliance.i18n import N_
from appliance.store.queries import ascii_digits
from appliance.telephony.numbers import WITHHELD, to_e164

log = logging.getLogger("callbox.callback")

RING_TIMEOUT_S = 30.0  # how long each phone (dispatcher's, customer's) may ring
_SIP_URI = re.compile(r"^sips?:[^@\s]+@[^@\s]+$")
_DIALABLE = re.compile(r"^\+?[0-9*#]{2,20}$")  # what ATD<number>; accepts
_SEPARATORS = re.compile(r"[\s\-().\u200e\u200f\u2066-\u2069]")


class Phase(StrEnum):
    DISPATCHER = "ringing-dispatcher"  # leg A rings
    CUSTOMER = "ringing-customer"  # A answered, hears "calling_customer"; leg B rings
    TALKING = "talking"  # A and B bridged
    DONE = "done"


class Input(StrEnum):
    A_RINGING = "a_ringing"
    A_ANSWERED = "a_answered"
    A_ENDED = "a_ended"
    A_TIMEOUT = "a_timeout"
    B_RINGING = "b_ringing"
    B_ANSWERED = "b_answered"
    B_ENDED = "b_ended"
    B_TIMEOUT = "b_timeout"


P, I = Phase, Input
_LEG_EVENTS = {ev.LegRinging: "ringing", ev.LegAnswered: "answered", ev.LegEnded: "ended"}
EVENT_TYPES = tuple(_LEG_EVENTS)

# (phase, input) -> (next phase, action or None). An unknown pair is a bug and raises.
TRANSITIONS: dict[tuple[Phase, Input], tuple[Phase, str | None]] = {
    (P.DISPATCHER, I.A_RINGING): (P.DISPATCHER, None),
    (P.DISPATCHER, I.A_ANSWERED): (P.CUSTOMER, "dial_customer"),
    (P.DISPATCHER, I.A_ENDED): (P.DONE, "dispatcher_refused"),
    (P.DISPATCHER, I.A_TIMEOUT): (P.DONE, "dispatcher_no_answer"),
    (P.CUSTOMER, I.B_RINGING): (P.CUSTOMER, None),
    (P.CUSTOMER, I.B_ANSWERED): (P.TALKING, "connect"),
    (P.CUSTOMER, I.B_ENDED): (P.DONE, "customer_unreached"),
    (P.CUSTOMER, I.B_TIMEOUT): (P.DONE, "customer_no_answer"),
    (P.CUSTOMER, I.A_ENDED): (P.DONE, "dispatcher_gave_up"),
    (P.TALKING, I.A_ENDED): (P.DONE, "dispatcher_hung_up"),
    (P.TALKING, I.B_ENDED): (P.DONE, "customer_hung_up"),
}


@dataclass
class Callback:
    call_id: str
    dispatcher: str
    number: str  # E.164 where possible (the call record's callee)
    line: str  # the line the customer is called on (call record)
    uri: str  # where leg B goes: gsm:<line>/<number> or a SIP URI
    leg_a: str
    leg_b: str
    placed: float  # monotonic
    phase: Phase = Phase.DISPATCHER
    timer: ev.Timer | None = None
    queue: str = ""  # a queue's callback keeping the caller's place ("" = click-to-call)
    on_end: Callable[[bool], None] | None = None  # told whether the dispatcher answered
    dispatcher_answered: bool = False


def dial_string(number: str) -> str:
    """What to dial for ``number`` as typed (any digits, spaces, dashes), or a SIP URI
    as it is. Raises ValueError when it is neither."""
    text = number.strip()
    if _SIP_URI.match(text):
        return text
    if text.lower() == WITHHELD:
        raise ValueError(N_("the caller withheld their number: there is nothing to call back"))
    plain = _SEPARATORS.sub("", text)
    plain = "".join(ascii_digits(ch) if ch.isdigit() else ch for ch in plain)
    if not _DIALABLE.match(plain):
        # the msgid travels as filled-in text; the web recovers it (appliance.i18n)
        raise ValueError(N_("%(number)s is not a phone number or a SIP address")
                         % {"number": number})
    return plain


class Callbacks:
    """Click-to-call. ``lines`` are the GSM line names (the router's ``lines`` dict works:
    it is read at each call, so lines added later count); the first is the default.
    ``outbound`` (an ``OutboundRouter``), when given, picks the line instead: GSM lines
    and trunks by the ``[[route]]`` rules, free lines only."""

    def __init__(self, acd, control, bus, prompt: Callable[[str], str], *,
                 lines: Collection[str] = (), country: str = "IR", sip_line: str = "sip",
                 ring_timeout_s: float = RING_TIMEOUT_S,
                 customer_timeout_s: float = RING_TIMEOUT_S,
                 monotonic: Callable[[], float] = time.monotonic, outbound=None):
        self._acd = acd
        self._outbound = outbound
        self._control = control
        self._bus = bus
        self._prompt = prompt
        self._lines = lines
        self._country = country
        self._sip_line = sip_line
        self._ring_timeout_s = ring_timeout_s
        self._customer_timeout_s = customer_timeout_s
        self._now = monotonic
        self.active: dict[str, Callback] = {}  # by call_id
        self._by_leg: dict[str, tuple[Callback, str]] = {}  # leg id -> (callback, "a"|"b")
        self.transfers = None  # appliance.transfer.Transfers: dispatcher_left(call_id) -> bool

    # ------------------------------------------------------------ the action
    @property
    def gsm_lines(self) -> Collection[str]:
        """Lines a customer can be called back on (GSM lines, and trunks when routed)."""
        return self._outbound.lines() if self._outbound is not None else self._lines

    def start(self, dispatcher: str, number: str, line: str = "", *, queue: str = "",
              on_end: Callable[[bool], None] | None = None) -> str:
        """Ring ``dispatcher``'s phone, then call ``number``; returns the call id.
        Raises ValueError for a bad number and CallboxError when it cannot be done now."""
        agent = self._acd.agents.get(dispatcher)
        if agent is None:
            raise CallboxError(N_("no dispatcher named %(name)s"), name=dispatcher)
        dial = dial_string(number)
        call_id = uuid.uuid4().hex
        uri, line_name = self._route(dial, line, call_id, bool(queue))
        cb = Callback(call_id, dispatcher, to_e164(dial, self._country), line_name, uri,
                      leg_a="cb-a-" + uuid.uuid4().hex[:12], leg_b="cb-b-" + uuid.uuid4().hex[:12],
                      placed=self._now(), queue=queue, on_end=on_end)
        try:
            self._acd.reserve(dispatcher, cb.leg_a)  # raises unless the dispatcher is free
        except Exception:
            self._release_line(call_id)
            raise
        self.active[call_id] = cb
        self._by_leg[cb.leg_a] = (cb, "a")
        self._bus.publish(ev.CallPlaced(call_id=call_id, line=line_name, number=cb.number,
                                        number_raw=number.strip(), dispatcher=dispatcher))
        self._bus.publish(ev.DispatcherRinging(call_id=call_id, dispatcher=dispatcher,
                                               leg_id=cb.leg_a))
        cb.timer = self._bus.call_later(self._ring_timeout_s,
                                        lambda: self._fire(cb, Input.A_TIMEOUT))
        log.info("call_id=%s callback by %s to %s via %s", call_id, dispatcher, cb.number, uri)
        self._control.originate(cb.leg_a, agent.phone, caller_id=cb.number)
        return call_id

    def _route(self, dial: str, line: str, call_id: str = "",
               place_kept: bool = False) -> tuple[str, str]:
        """(URI of leg B, line name for the call record). A queue's callback prefers the
        line the caller came in on; click-to-call with a line asks for that line."""
        if _SIP_URI.match(dial):
            if line:
                raise ValueError(N_("a SIP address cannot be called through a GSM line"))
            return dial, self._sip_line
        if self._outbound is not None:  # held until the callback ends (_end)
            choice = self._outbound.route(
                dial, line="" if place_kept else line, prefer=line if place_kept else "",
                owner=call_id, hold_s=self._ring_timeout_s + self._customer_timeout_s + 5.0)
            return choice.uri, choice.line
        if line and line not in self._lines:
            raise CallboxError(N_("no GSM line named %(name)s"), name=line)
        name = line or next(iter(self._lines), "")
        if not name:
            raise CallboxError(N_("there is no GSM line to call a phone number through"))
        return f"gsm:{name}/{dial}", name

    def talking(self) -> list[Callback]:
        """Callbacks whose two legs are bridged (supervision can join them)."""
        return [cb for cb in self.active.values() if cb.phase == Phase.TALKING]

    # ------------------------------------------------------------ bus subscriber
    def handle(self, event: ev.Event) -> None:
        """Bus subscriber for LegRinging/LegAnswered/LegEnded (see ``EVENT_TYPES``)."""
        found = self._by_leg.get(getattr(event, "leg_id", ""))
        kind = _LEG_EVENTS.get(type(event))
        if found is None or kind is None:
            return  # a queue leg, or one of ours that already ended
        cb, side = found
        if (side, kind, cb.phase) == ("a", "ended", Phase.TALKING) and self.transfers is not None \
                and self.transfers.dispatcher_left(cb.call_id):
            self._by_leg.pop(cb.leg_a, None)  # a transfer keeps the customer
            return
        reason = f"{event.code} {event.reason}" if isinstance(event, ev.LegEnded) else ""
        self._fire(cb, Input(f"{side}_{kind}"), reason)

    # ------------------------------------------------------------ transfers
    def hand_over(self, call_id: str, leg_id: str, name: str) -> None:
        """``name`` (already BUSY on ``leg_id``) talks to the customer now; the dispatcher
        who had the call wraps up."""
        cb = self.active[call_id]
        self._by_leg.pop(cb.leg_a, None)
        self._acd.release(cb.dispatcher)
        cb.leg_a, cb.dispatcher = leg_id, name
        self._by_leg[leg_id] = (cb, "a")

    def drop(self, call_id: str, cause: str) -> None:
        """Nobody is left for the customer (their dispatcher left during a transfer that
        failed): hang up and end the call."""
        cb = self.active.get(call_id)
        if cb is not None:
            self._control.hangup(cb.leg_b)
            self._end(cb, "callback", cause, "box")

    def _fire(self, cb: Callback, what: Input, reason: str = "") -> None:
        if cb.phase == Phase.DONE:
            return  # a timer that fired as the callback ended
        try:
            cb.phase, action = TRANSITIONS[(cb.phase, what)]
        except KeyError:
            raise RuntimeError(f"callback {cb.call_id}: no transition {cb.phase}/{what}") from None
        if action is not None:
            getattr(self, "_do_" + action)(cb, reason)

    # ------------------------------------------------------------ actions
    def _do_dial_customer(self, cb: Callback, reason: str) -> None:
        self._cancel(cb)
        cb.dispatcher_answered = True
        self._acd.engaged(cb.dispatcher)
        self._control.play(cb.leg_a, [self._prompt("calling_customer")])
        self._by_leg[cb.leg_b] = (cb, "b")
        cb.timer = self._bus.call_later(self._customer_timeout_s,
                                        lambda: self._fire(cb, Input.B_TIMEOUT))
        self._control.originate(cb.leg_b, cb.uri)
        self._release_line(cb.call_id)  # from now on the line itself shows the call

    def _do_connect(self, cb: Callback, reason: str) -> None:
        self._cancel(cb)
        self._control.bridge(cb.leg_a, cb.leg_b)
        self._bus.publish(ev.CallBridged(call_id=cb.call_id, dispatcher=cb.dispatcher,
                                         queue=cb.queue,
                                         wait_s=round(self._now() - cb.placed, 3),
                                         legs=(cb.leg_a, cb.leg_b)))

    def _do_dispatcher_refused(self, cb: Callback, reason: str) -> None:
        self._end(cb, "failed", f"dispatcher's phone did not answer ({reason})", "dispatcher")

    def _do_dispatcher_no_answer(self, cb: Callback, reason: str) -> None:
        self._control.hangup(cb.leg_a, 487)
        self._end(cb, "failed", "dispatcher's phone did not answer in time", "box")

    def _do_customer_unreached(self, cb: Callback, reason: str) -> None:
        self._control.hangup(cb.leg_a)
        self._end(cb, "failed", f"customer not reached ({reason})", "caller")

    def _do_customer_no_answer(self, cb: Callback, reason: str) -> None:
        self._control.hangup(cb.leg_b, 487)
        self._control.hangup(cb.leg_a)
        self._end(cb, "failed", "customer did not answer in time", "box")

    def _do_dispatcher_gave_up(self, cb: Callback, reason: str) -> None:
        self._control.hangup(cb.leg_b, 487)
        self._end(cb, "abandoned", "dispatcher hung up before the customer answered",
                  "dispatcher")

    def _do_dispatcher_hung_up(self, cb: Callback, reason: str) -> None:
        self._control.hangup(cb.leg_b)
        self._end(cb, "callback", "dispatcher hung up", "dispatcher")

    def _do_customer_hung_up(self, cb: Callback, reason: str) -> None:
        self._control.hangup(cb.leg_a)
        self._end(cb, "callback", "customer hung up", "caller")

    # ------------------------------------------------------------ helpers
    def _end(self, cb: Callback, disposition: str, cause: str, by: str) -> None:
        self._cancel(cb)
        self.active.pop(cb.call_id, None)
        self._by_leg.pop(cb.leg_a, None)
        self._by_leg.pop(cb.leg_b, None)
        self._acd.release(cb.dispatcher)
        self._release_line(cb.call_id)
        log.info("call_id=%s callback ended: %s (%s)", cb.call_id, disposition, cause)
        self._bus.publish(ev.CallEnded(call_id=cb.call_id, disposition=disposition,
                                       hangup_cause=cause, ended_by=by))
        if cb.on_end is not None:
            cb.on_end(cb.dispatcher_answered)

    def _release_line(self, call_id: str) -> None:
        if self._outbound is not None:
            self._outbound.release(call_id)

    @staticmethod
    def _cancel(cb: Callback) -> None:
        if cb.timer is not None:
            cb.timer.cancel()
            cb.timer = None
