"""Call flow: hands each call from the IVR to the queue and routes line events.

A bus subscriber (runs on the bus worker). It owns no telephony: answers, plays
and bridges go to ``CallControl``; the IVR and the ACD keep their own state.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Protocol

from appliance import events as ev
from appliance.acd.acd import Acd
from appliance.endings import box_ended
from appliance.i18n import causes
from appliance.ivr.menu import Action, MenuTree
from appliance.ivr.session import IvrSession

log = logging.getLogger("callbox.flow")

from appliance.ivr.direct import PREFIX as DIRECT_QUEUE  # dispatcher:NAME -> that queue


class CallOwner(Protocol):
    """Something that takes a call over from the menu (voicemail, self-service)."""

    def owns(self, call_id: str) -> bool: ...

    def digit(self, call_id: str, digit: str) -> None: ...

    def prompt_finished(self, call_id: str, token: int) -> None: ...

    def hung_up(self, call_id: str, reason: str) -> None: ...


class CallFlow:
    def __init__(self, tree: MenuTree | Callable[[], MenuTree], acd: Acd, control,
                 prompt: Callable[..., str], bus, *, voicemail=None, selfservice=None,
                 now: Callable[[], datetime] = ev.utcnow, night: Callable[[], bool] = bool,
                 direct: set[str] | frozenset[str] = frozenset()):
        # ``tree``: the tree, or a function giving the one in force (reloads swap it;
        # a call keeps the tree it started with).
        self._tree = tree if callable(tree) else (lambda: tree)
        self._acd = acd
        self._control = control
        self._prompt = prompt  # (key) -> WAV in the office language; (key, lang) -> in lang
        self._bus = bus
        self.voicemail = voicemail  # VoicemailBox: take(call_id, caller, queue, reason, lang)
        self.selfservice = selfservice  # SelfServiceFlow: start(call_id, caller, kind, lang)
        self._now = now
        self._night = night  # the night-mode switch on the box (GPIO)
        self._direct = direct  # names of the per-dispatcher queues (dispatcher:NAME)
        self.ivr: dict[str, IvrSession] = {}
        self.callers: dict[str, str] = {}  # call_id -> caller number
        self._goodbye: dict[str, int] = {}  # call_id -> token of the goodbye prompt
        self._causes: dict[str, str] = {}  # call_id -> why the box hangs up after it
        self._closed: dict[str, tuple[int, Action, MenuTree]] = {}  # after-hours prompt
        self._trees: dict[str, MenuTree] = {}  # the tree each call started with
        self.features = None  # FeatureCodes: dispatchers' *1/*2/*3 calls skip the menu
        self.internal = None  # InternalCalls: a dispatcher's phone dialling a colleague

    def _owners(self) -> list[CallOwner]:
        return [o for o in (self.voicemail, self.selfservice) if o is not None]

    def _owner(self, call_id: str) -> CallOwner | None:
        return next((o for o in self._owners() if o.owns(call_id)), None)

    def handle(self, event: ev.Event) -> None:
        handler = getattr(self, "_on_" + event.name, None)
        if handler is not None:
            handler(event)

    # ------------------------------------------------------------ line events
    def _on_CallOffered(self, event: ev.CallOffered) -> None:
        self.callers[event.call_id] = event.caller
        self._control.answer(event.call_id)

    def _on_CallAnswered(self, event: ev.CallAnswered) -> None:
        if self.features is not None and self.features.take(event.call_id):
            return  # a dispatcher's phone dialled *1/*2/*3 (appliance/acd/features.py)
        if self.internal is not None and self.internal.take(event.call_id):
            return  # ... or a colleague's extension (appliance/transfer/internal.py)
        tree = self._trees[event.call_id] = self._tree()
        if not tree.is_open(self._now(), self._night()):
            self._bus.publish(ev.IvrStepped(call_id=event.call_id, node="hours",
                                            step="hours:closed"))
            token = self._control.play(event.call_id, [self._prompt("closed")])
            self._closed[event.call_id] = (token, tree.closed_action, tree)
            return
        self.start_menu(event.call_id, greet=True)

    def start_menu(self, call_id: str, greet: bool = False, language: str = "") -> None:
        """Put a call (back) in the menu at the root: new calls, and self-service callers
        the box does not know (they get the normal menu)."""
        tree = self._trees.get(call_id) or self._tree()
        session = IvrSession(call_id, tree, self._control, self._prompt, self._bus,
                             self._bus.publish, self._routed, language=language)
        self.ivr[call_id] = session
        session.start(greet=greet)

    def _on_DtmfReceived(self, event: ev.DtmfReceived) -> None:
        session = self.ivr.get(event.call_id)
        if session is not None:
            session.digit(event.digit)
        elif (owner := self._owner(event.call_id)) is not None:
            owner.digit(event.call_id, event.digit)

    def _on_PromptFinished(self, event: ev.PromptFinished) -> None:
        if self._goodbye.get(event.call_id) == event.token:
            self._control.hangup(event.call_id)
            return
        closed = self._closed.get(event.call_id)
        if closed is not None and closed[0] == event.token:
            del self._closed[event.call_id]
            self._leave_menu(event.call_id, closed[1], closed[2].language, reason="closed")
            return
        session = self.ivr.get(event.call_id)
        if session is not None:
            session.prompt_finished(event.token)
        if (owner := self._owner(event.call_id)) is not None:
            owner.prompt_finished(event.call_id, event.token)
        self._acd.prompt_finished(event.call_id, event.token)

    def _on_CallHungUp(self, event: ev.CallHungUp) -> None:
        call_id = event.call_id
        session = self.ivr.pop(call_id, None)
        self._trees.pop(call_id, None)
        closed = self._closed.pop(call_id, None)
        if session is not None:
            session.hangup()
        owner = self._owner(call_id)
        if owner is not None:
            owner.hung_up(call_id, event.reason)
        elif self._acd.owns(call_id):
            self._acd.caller_hung_up(call_id, event.reason, event.code)
        elif closed is not None:
            self._bus.publish(ev.CallEnded(call_id=call_id, disposition="abandoned",
                                           hangup_cause="caller hung up: office closed",
                                           ended_by="caller"))
        elif call_id in self._goodbye:
            self._bus.publish(ev.CallEnded(call_id=call_id, disposition="failed",
                                           hangup_cause=self._causes.get(call_id, "menu: hang up"),
                                           ended_by="box"))
        elif session is not None and (cut := box_ended(event.code, event.reason)):
            self._bus.publish(ev.CallEnded(call_id=call_id, disposition="failed",
                                           hangup_cause=cut.cause, ended_by="box"))
        elif session is not None:
            self._bus.publish(ev.CallEnded(call_id=call_id, disposition="abandoned",
                                           hangup_cause="caller hung up in the menu",
                                           ended_by="caller"))
        self._goodbye.pop(call_id, None)
        self._causes.pop(call_id, None)
        self.callers.pop(call_id, None)

    def _on_LegRinging(self, event: ev.LegRinging) -> None:
        self._acd.leg_ringing(event.leg_id)

    def _on_LegAnswered(self, event: ev.LegAnswered) -> None:
        self._acd.leg_answered(event.leg_id)

    def _on_LegEnded(self, event: ev.LegEnded) -> None:
        self._acd.leg_ended(event.leg_id, event.code, event.reason)

    # ------------------------------------------------------------ IVR outcome
    def _routed(self, call_id: str, action: Action) -> None:
        session = self.ivr.pop(call_id, None)
        if session is not None and session.no_input:
            self._causes[call_id] = causes.MENU_NO_INPUT  # kept unless the action says more
        self._leave_menu(call_id, action, session.language if session else "", reason="ivr")

    def _leave_menu(self, call_id: str, action: Action, language: str, reason: str) -> None:
        caller = self.callers.get(call_id, "")
        if action.kind == "queue":
            self._acd.enqueue(call_id, action.target, caller)
        elif action.kind == "dispatcher" and DIRECT_QUEUE + action.target in self._direct:
            self._acd.enqueue(call_id, DIRECT_QUEUE + action.target, caller)
        elif action.kind == "voicemail" and self.voicemail is not None:
            self.voicemail.take(call_id, caller, queue="", reason=reason, language=language)
        elif action.kind in ("self_order", "order_status") and self.selfservice is not None:
            self.selfservice.start(call_id, caller, action.kind, language)
        elif action.kind == "play":  # the prompt, then hang up
            self._causes[call_id] = f"menu: played {action.target}"
            self._goodbye[call_id] = self._control.play(
                call_id, [self._lang_prompt(action.target, language)])
        else:  # "hangup" (or an action this box cannot do): say goodbye, then hang up
            if action.kind != "hangup":
                log.error("call_id=%s IVR action %s is not available; hanging up", call_id, action)
            if reason == "closed":
                self._causes[call_id] = "office closed"
            self._goodbye[call_id] = self._control.play(
                call_id, [self._lang_prompt("goodbye", language)])

    def _lang_prompt(self, key: str, language: str) -> str:
        tree = self._tree()
        if not language or language == tree.language:
            return self._prompt(key)
        return self._prompt(key, language)

    def take_voicemail(self, call_id: str, queue: str = "", reason: str = "overflow") -> bool:
        """The voicemail entry point for a call already answered (queue overflow, ...):
        run on the bus worker after the queue let go of the call. False = no voicemail."""
        if self.voicemail is None:
            return False
        self.ivr.pop(call_id, None)
        self.voicemail.take(call_id, self.callers.get(call_id, ""), queue=queue, reason=reason)
        return True

    # ------------------------------------------------------------ status
    def status(self) -> dict:
        status = self._acd.status()
        status["in_menu"] = [{"call_id": c, "caller": self.callers.get(c, ""), "menu": s.menu_id}
                             for c, s in self.ivr.items()]
        # callers leaving a voicemail or in self-service are still with the box, not lost
        for name, owner in (("voicemail", self.voicemail), ("self-service", self.selfservice)):
            status["in_menu"] += [{"call_id": c, "caller": self.callers.get(c, ""), "menu": name}
                                  for c in getattr(owner, "calls", {})]
        return status
