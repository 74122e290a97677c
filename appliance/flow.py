"""Call flow: hands each call from the IVR to the queue and routes line events.

A bus subscriber (runs on the bus worker). It owns no telephony: answers, plays
and bridges go to ``CallControl``; the IVR and the ACD keep their own state.
"""

from __future__ import annotations

import logging
from typing import Callable

from appliance import events as ev
from appliance.acd.acd import Acd
from appliance.ivr.menu import Action, MenuTree
from appliance.ivr.session import IvrSession

log = logging.getLogger("callbox.flow")


class CallFlow:
    def __init__(self, tree: MenuTree, acd: Acd, control, prompt: Callable[[str], str], bus):
        self._tree = tree
        self._acd = acd
        self._control = control
        self._prompt = prompt
        self._bus = bus
        self.ivr: dict[str, IvrSession] = {}
        self.callers: dict[str, str] = {}  # call_id -> caller number
        self._goodbye: dict[str, int] = {}  # call_id -> token of the goodbye prompt

    def handle(self, event: ev.Event) -> None:
        handler = getattr(self, "_on_" + event.name, None)
        if handler is not None:
            handler(event)

    # ------------------------------------------------------------ line events
    def _on_CallOffered(self, event: ev.CallOffered) -> None:
        self.callers[event.call_id] = event.caller
        self._control.answer(event.call_id)

    def _on_CallAnswered(self, event: ev.CallAnswered) -> None:
        session = IvrSession(event.call_id, self._tree, self._control, self._prompt, self._bus,
                             self._bus.publish, self._routed)
        self.ivr[event.call_id] = session
        session.start()

    def _on_DtmfReceived(self, event: ev.DtmfReceived) -> None:
        session = self.ivr.get(event.call_id)
        if session is not None:
            session.digit(event.digit)

    def _on_PromptFinished(self, event: ev.PromptFinished) -> None:
        if self._goodbye.get(event.call_id) == event.token:
            self._control.hangup(event.call_id)
            return
        session = self.ivr.get(event.call_id)
        if session is not None:
            session.prompt_finished(event.token)
        self._acd.prompt_finished(event.call_id, event.token)

    def _on_CallHungUp(self, event: ev.CallHungUp) -> None:
        call_id = event.call_id
        session = self.ivr.pop(call_id, None)
        if session is not None:
            session.hangup()
        if self._acd.owns(call_id):
            self._acd.caller_hung_up(call_id, event.reason)
        elif call_id in self._goodbye:
            self._bus.publish(ev.CallEnded(call_id=call_id, disposition="failed",
                                           hangup_cause="menu: hang up", ended_by="box"))
        elif session is not None:
            self._bus.publish(ev.CallEnded(call_id=call_id, disposition="abandoned",
                                           hangup_cause="caller hung up in the menu",
                                           ended_by="caller"))
        self._goodbye.pop(call_id, None)
        self.callers.pop(call_id, None)

    def _on_LegRinging(self, event: ev.LegRinging) -> None:
        self._acd.leg_ringing(event.leg_id)

    def _on_LegAnswered(self, event: ev.LegAnswered) -> None:
        self._acd.leg_answered(event.leg_id)

    def _on_LegEnded(self, event: ev.LegEnded) -> None:
        self._acd.leg_ended(event.leg_id, event.code, event.reason)

    # ------------------------------------------------------------ IVR outcome
    def _routed(self, call_id: str, action: Action) -> None:
        self.ivr.pop(call_id, None)
        if action.kind == "queue":
            self._acd.enqueue(call_id, action.target, self.callers.get(call_id, ""))
        else:  # "hangup": say goodbye, then hang up
            self._goodbye[call_id] = self._control.play(call_id, [self._prompt("goodbye")])

    # ------------------------------------------------------------ status
    def status(self) -> dict:
        status = self._acd.status()
        status["in_menu"] = [{"call_id": c, "caller": self.callers.get(c, ""), "menu": s.menu_id}
                             for c, s in self.ivr.items()]
        return status
