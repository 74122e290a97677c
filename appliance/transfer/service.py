"""Transfers between dispatchers: a bus subscriber acting on the queue and the bridge.

A transfer is asked for by the web (``transfer {call_id, to, mode}``, then
``transfer_complete`` / ``transfer_cancel``) or by dispatcher A's phone: a REFER on its
leg (``TransferRequested``) is blind, or attended when its Replaces names A's call to B
through the box (appliance/transfer/internal.py: the phone put the caller on hold and
dialled B's extension) — then B's leg of that call takes the caller and both of A's calls
are hung up. Otherwise the box rings B's phone on a new leg (``xfer-…``) while the caller
hears the queue's hold music (the caller↔A paths are cut in the conference bridge, A's
leg stays up and hears ringback). What happens next is machine.py's table:

- B answers a blind transfer → caller↔B bridged, A's leg hung up, A wraps up.
- Attended: B answers → A↔B talk, the caller still on hold; "Complete" hands the caller
  to B and releases A, "Cancel" (or B hanging up) gives the caller back to A.
- B busy, offline, not answering within the queue's ``ring_timeout_s``, or "Cancel"
  while ringing → the caller goes back to A; if A's leg has gone meanwhile, the caller
  waits again at the *front* of the queue.

A REFER gets the NOTIFY sipfrag of the outcome (200 when B answered; 486/480/404/408/487
otherwise). The ``Conversation`` in the queue keeps A until B takes over (HandoverMixin),
so a caller who hangs up during a transfer ends the call the usual way. Runs on the
bus worker only.
"""

from __future__ import annotations

import logging
import uuid
from typing import Callable

from appliance import events as ev
from appliance.acd.agents import AgentState
from appliance.errors import CallboxError
from appliance.i18n import N_
from appliance.transfer.internal import find_dispatcher
from appliance.transfer.machine import MODES, Input, Phase, Transfer, step
from appliance.transfer.seats import Seats

log = logging.getLogger("callbox.transfer")

EVENT_TYPES = (ev.LegAnswered, ev.LegEnded, ev.CallEnded, ev.CallQueued, ev.TransferRequested)
_NOT_FREE = {AgentState.OFFLINE: 480, AgentState.PAUSED: 480}  # else busy: 486


class TransferRefused(CallboxError):
    """A transfer that cannot start; ``sip_code`` is what a REFER's NOTIFY says."""

    def __init__(self, msgid: str, sip_code: int = 603, **params: object):
        super().__init__(msgid, **params)
        self.sip_code = sip_code


class Transfers:
    def __init__(self, acd, control, audio, bus, music: Callable[[str], str], refer=None, *,
                 ringback: Callable[[], str] | None = None, internal=None, callbacks=None):
        self._acd = acd  # Acd (talks, agents, reserve/engaged/release, HandoverMixin)
        self._control = control  # CallControl: originate, bridge, play, stop_play, hangup
        self._audio = audio  # AudioPaths: connect(pairs) / disconnect(pairs)
        self._bus = bus
        self._music = music  # queue -> the WAV the caller hears on hold
        self._refer = refer  # ReferNotices: outcome(leg_id, code), or None (no SIP engine)
        self._ringback = ringback  # -> the WAV A hears while B rings (None: silence)
        self._internal = internal  # InternalCalls: a phone's own call to B (attended REFER)
        self._seats = Seats(acd, callbacks)  # queue calls, callbacks and click-to-call
        self.active: dict[str, Transfer] = {}  # by call_id
        self._by_leg: dict[str, Transfer] = {}  # by B's leg
        self._callers: dict[str, str] = {}  # call_id -> caller number (from CallQueued)

    # ------------------------------------------------------------------ actions
    def start(self, call_id: str, to: str, mode: str = "blind", refer_leg: str = "") -> dict:
        """Ring ``to`` (a dispatcher's name or extension) to take ``call_id`` over."""
        if mode not in MODES:
            raise ValueError(N_("mode must be blind or attended"))
        seat = self._seats.get(call_id)
        if seat is None:
            raise TransferRefused(N_("no conversation %(call)s to transfer"), 481, call=call_id)
        if call_id in self.active:
            raise TransferRefused(N_("a transfer of this call is already under way"), 491)
        target = self._target(to, seat.agent)
        leg = "xfer-" + uuid.uuid4().hex[:12]
        self._acd.reserve(target.name, leg)  # RINGING: the queue offers them no caller
        t = Transfer(call_id, mode, seat.number or self._callers.get(call_id, ""), seat.agent,
                     seat.leg_id, target.name, leg, refer_leg=refer_leg, seat=seat,
                     phase=Phase.RINGING_BLIND if mode == "blind" else Phase.RINGING_CONSULT)
        self.active[call_id] = self._by_leg[leg] = t
        self._hold(t)
        if self._ringback is not None:
            self._control.play(t.from_leg, [self._ringback()], loop=True)
        log.info("call_id=%s %s transfer %s -> %s", call_id, mode, t.from_dispatcher, target.name)
        self._bus.publish(ev.TransferStarted(call_id=call_id, from_dispatcher=t.from_dispatcher,
                                             to_dispatcher=target.name, mode=mode, leg_id=leg))
        self._bus.publish(ev.DispatcherRinging(call_id=call_id, dispatcher=target.name,
                                               leg_id=leg))
        self._control.originate(leg, target.phone, caller_id=t.caller, for_call=call_id)
        return t.view()

    def complete(self, call_id: str) -> dict:
        """Attended: the caller goes to B and A is released (while B still rings: B
        gets the caller when they answer, as in a blind transfer)."""
        return self._act(call_id, Input.COMPLETE, N_("nothing to complete: the transfer is %(state)s"))

    def cancel(self, call_id: str) -> dict:
        """Back to the caller: B's leg is hung up, the caller is connected to A again."""
        return self._act(call_id, Input.CANCEL, N_("nothing to cancel: the transfer is %(state)s"))

    def status(self) -> list[dict]:
        return [t.view() for t in self.active.values()]

    def _act(self, call_id: str, what: Input, refusal: str) -> dict:
        t = self.active.get(call_id)
        if t is None:
            raise CallboxError(N_("no transfer of call %(call)s is under way"), call=call_id)
        try:
            step(t.phase, what)
        except KeyError:
            raise CallboxError(refusal, state=str(t.phase)) from None
        self._fire(t, what, "cancelled" if what == Input.CANCEL else "", 487)
        return t.view()

    def _hold(self, t: Transfer) -> None:
        """The caller, cut from A, hears hold music while B's phone rings."""
        self._audio.disconnect([(t.caller_leg, t.from_leg), (t.from_leg, t.caller_leg)])
        self._control.play(t.caller_leg, [self._music(t.seat.queue)], loop=True)
        t.timer = self._bus.call_later(self._seats.ring_timeout(t.seat),
                                       lambda: self._fire(t, Input.B_TIMEOUT, "no answer", 408))

    def _target(self, to: str, current: str):
        agent = find_dispatcher(self._acd.agents, to)
        if agent is None:
            raise TransferRefused(N_("no dispatcher %(name)s"), 404, name=to)
        if agent.name == current:
            raise TransferRefused(N_("%(name)s already has this call"), 482, name=agent.name)
        if agent.state != AgentState.AVAILABLE:
            raise TransferRefused(N_("%(name)s is %(state)s: a transfer needs them free"),
                                  _NOT_FREE.get(agent.state, 486), name=agent.name,
                                  state=str(agent.state))
        return agent

    # ------------------------------------------------------------------ events
    def dispatcher_left(self, call_id: str) -> bool:
        """The queue asks when A's leg ends: True while a transfer keeps the caller."""
        t = self.active.get(call_id)
        if t is None:
            return False
        self._fire(t, Input.A_ENDED)
        return True

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.CallQueued):
            self._callers[event.call_id] = event.caller
        elif isinstance(event, ev.CallEnded):
            self._callers.pop(event.call_id, None)
            t = self.active.get(event.call_id)
            if t is not None:
                self._fire(t, Input.CALLER_ENDED, "caller hung up", 487)
        elif isinstance(event, ev.TransferRequested):
            self._referred(event)
        elif (t := self._by_leg.get(getattr(event, "leg_id", ""))) is not None:
            if isinstance(event, ev.LegAnswered):
                t.b_answered = True
                self._acd.engaged(t.to_dispatcher)
                self._fire(t, Input.B_ANSWERED)
            elif isinstance(event, ev.LegEnded):
                self._fire(t, Input.B_ENDED, f"{event.code} {event.reason}".strip(),
                           event.code if 300 <= event.code < 700 else 480)

    def _referred(self, event: ev.TransferRequested) -> None:
        seat = self._seats.by_leg(event.leg_id)
        if event.replaces:
            self._consulted_by_phone(event)
            return
        if seat is None:
            log.warning("leg_id=%s REFER to %s on a leg with no conversation: 603",
                        event.leg_id, event.target)
            self._notify_leg(event.leg_id, 603)
            return
        try:
            self.start(seat.call_id, event.target, "blind", refer_leg=event.leg_id)
        except TransferRefused as exc:
            log.info("call_id=%s REFER to %s refused: %s", seat.call_id, event.target, exc)
            self._notify_leg(event.leg_id, exc.sip_code)
        except CallboxError as exc:
            log.info("call_id=%s REFER to %s refused: %s", seat.call_id, event.target, exc)
            self._notify_leg(event.leg_id, 486)

    def _consulted_by_phone(self, event: ev.TransferRequested) -> None:
        """Attended REFER: A's phone joins the caller (its conversation ``seat``) with B (A's
        call to B through the box, ``consult``); the REFER came on either call."""
        legs = (event.leg_id, event.replaces)
        seat = next((s for leg in legs if (s := self._seats.by_leg(leg)) is not None), None)
        consult = next((c for leg in legs if self._internal is not None
                        and (c := self._internal.calls.get(leg)) is not None), None)
        if seat is None or consult is None or consult.caller != seat.agent \
                or seat.call_id in self.active:
            log.warning("leg_id=%s attended REFER: Replaces %s is not this dispatcher's call "
                        "to a colleague beside a queue call: 603", event.leg_id, event.replaces)
            self._notify_leg(event.leg_id, 603)
            return
        answered = str(consult.phase) == "talking"
        t = Transfer(seat.call_id, "attended", seat.number or self._callers.get(seat.call_id, ""),
                     seat.agent, seat.leg_id, consult.callee, consult.leg, refer_leg=event.leg_id,
                     phase=Phase.CONSULTING if answered else Phase.RINGING_CONSULT,
                     b_answered=answered, seat=seat)
        self.active[t.call_id] = self._by_leg[t.leg] = t
        log.info("call_id=%s attended transfer by phone %s -> %s (%s)", t.call_id,
                 t.from_dispatcher, t.to_dispatcher, "talking" if answered else "ringing")
        self._bus.publish(ev.TransferStarted(call_id=t.call_id, from_dispatcher=t.from_dispatcher,
                                             to_dispatcher=t.to_dispatcher, mode=t.mode,
                                             leg_id=t.leg))
        if not answered:
            self._hold(t)  # B still rings: the caller waits on hold music
        self._fire(t, Input.COMPLETE)  # NOTIFY (when B has answered), A's leg hung up
        self._internal.hand_over(consult)  # B's leg is the transfer's; A's call hung up

    def _fire(self, t: Transfer, what: Input, reason: str = "", code: int = 0) -> None:
        if t.phase == Phase.DONE:
            return  # a timer that fired as the transfer ended
        try:
            t.phase, action = step(t.phase, what)
        except KeyError:
            raise RuntimeError(f"transfer of {t.call_id}: no transition {t.phase}/{what}") from None
        getattr(self, "_do_" + action)(t, reason, code)
        if t.phase == Phase.DONE:
            self._cancel(t)
            self.active.pop(t.call_id, None)
            self._by_leg.pop(t.leg, None)

    # ------------------------------------------------------------------ actions
    def _do_hand_over(self, t: Transfer, reason: str, code: int) -> None:
        self._cancel(t)
        if t.consulted:
            self._audio.disconnect([(t.from_leg, t.leg), (t.leg, t.from_leg)])
        self._control.bridge(t.caller_leg, t.leg)  # stops the hold music
        self._seats.hand_over(t.seat, t.leg, t.to_dispatcher)  # A wraps up
        self._notify(t, 200)
        if not t.a_gone:
            self._control.hangup(t.from_leg)
        log.info("call_id=%s transferred %s -> %s", t.call_id, t.from_dispatcher, t.to_dispatcher)
        self._bus.publish(ev.CallTransferred(call_id=t.call_id, from_dispatcher=t.from_dispatcher,
                                             to_dispatcher=t.to_dispatcher, mode=t.mode,
                                             legs=(t.caller_leg, t.leg)))

    def _do_give_back(self, t: Transfer, reason: str, code: int) -> None:
        self._cancel(t)
        self._end_b(t, reason)
        if t.a_gone:
            returned = self._seats.orphaned(t.seat, t.caller)
        else:
            self._control.stop_play(t.caller_leg)
            self._control.stop_play(t.from_leg)  # the ringback, if any
            self._audio.connect([(t.caller_leg, t.from_leg), (t.from_leg, t.caller_leg)])
            returned = t.from_dispatcher
        self._notify(t, code or 480)
        log.info("call_id=%s transfer to %s failed (%s): back to %s", t.call_id,
                 t.to_dispatcher, reason, returned)
        self._bus.publish(ev.TransferFailed(call_id=t.call_id, from_dispatcher=t.from_dispatcher,
                                            to_dispatcher=t.to_dispatcher, mode=t.mode,
                                            reason=reason, returned_to=returned))

    def _do_a_left(self, t: Transfer, reason: str, code: int) -> None:
        t.a_gone = True
        log.info("call_id=%s %s left during the transfer; %s still rings", t.call_id,
                 t.from_dispatcher, t.to_dispatcher)

    def _do_release_a(self, t: Transfer, reason: str, code: int) -> None:
        self._control.hangup(t.from_leg)  # its end comes back as A_ENDED (a_left)

    def _do_consult(self, t: Transfer, reason: str, code: int) -> None:
        self._cancel(t)
        t.consulted = True
        self._control.stop_play(t.from_leg)  # the ringback
        self._audio.connect([(t.from_leg, t.leg), (t.leg, t.from_leg)])

    def _do_drop(self, t: Transfer, reason: str, code: int) -> None:
        self._end_b(t, reason)
        self._notify(t, code or 487)

    # ------------------------------------------------------------------ helpers
    def _end_b(self, t: Transfer, reason: str) -> None:
        self._control.hangup(t.leg, 0 if t.b_answered else 487)
        if not t.b_answered:
            self._bus.publish(ev.DispatcherNoAnswer(call_id=t.call_id, dispatcher=t.to_dispatcher,
                                                    leg_id=t.leg, reason=reason))
        self._acd.release(t.to_dispatcher)  # free at once, or wrap-up after a consultation

    def _notify(self, t: Transfer, code: int) -> None:
        if t.refer_leg:
            self._notify_leg(t.refer_leg, code)
            t.refer_leg = ""

    def _notify_leg(self, leg_id: str, code: int) -> None:
        if self._refer is not None:
            self._refer.outcome(leg_id, code)

    @staticmethod
    def _cancel(t: Transfer) -> None:
        if t.timer is not None:
            t.timer.cancel()
            t.timer = None
