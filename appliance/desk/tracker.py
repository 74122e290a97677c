"""Which call rings (or talks to) which dispatcher, for the caller card on their desk.

A bus subscriber (the bus worker only): it follows the call events and publishes
``DeskChanged`` whenever a dispatcher's desk should show another call or none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from appliance import events as ev
from appliance.desk.events import DeskChanged

EVENT_TYPES = (ev.CallOffered, ev.CallPlaced, ev.CallQueued, ev.DispatcherRinging,
               ev.DispatcherNoAnswer, ev.CallBridged, ev.CallEnded, ev.CallTransferred,
               ev.TransferFailed)


@dataclass
class _Call:
    call_id: str
    caller: str
    line: str
    since: str
    queue: str = ""
    direction: str = "in"


@dataclass
class DeskTracker:
    publish: Callable[[ev.Event], None]
    calls: dict[str, _Call] = field(default_factory=dict)
    desks: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (call_id, state)

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.CallOffered):
            self.calls[event.call_id] = _Call(event.call_id, event.caller, event.line,
                                              _iso(event))
        elif isinstance(event, ev.CallPlaced):
            self.calls[event.call_id] = _Call(event.call_id, event.number, event.line,
                                              _iso(event), direction="out")
        elif isinstance(event, ev.CallQueued) and event.call_id in self.calls:
            self.calls[event.call_id].queue = event.queue
        elif isinstance(event, ev.DispatcherRinging):
            self._set(event.dispatcher, event.call_id, "ringing")
        elif isinstance(event, ev.DispatcherNoAnswer):
            if self.desks.get(event.dispatcher, ("",))[0] == event.call_id:
                self._clear(event.dispatcher)
        elif isinstance(event, ev.CallBridged):
            for name, (call_id, _) in list(self.desks.items()):
                if call_id == event.call_id and name != event.dispatcher:
                    self._clear(name)  # ring-all: someone else answered
            self._set(event.dispatcher, event.call_id, "talking")
        elif isinstance(event, ev.CallTransferred):  # appliance/transfer: B has the caller
            self._clear(event.from_dispatcher)
            self._set(event.to_dispatcher, event.call_id, "talking")
        elif isinstance(event, ev.TransferFailed):
            if self.desks.get(event.to_dispatcher, ("",))[0] == event.call_id:
                self._clear(event.to_dispatcher)
        elif isinstance(event, ev.CallEnded):
            for name, (call_id, _) in list(self.desks.items()):
                if call_id == event.call_id:
                    self._clear(name)
            self.calls.pop(event.call_id, None)

    def _set(self, dispatcher: str, call_id: str, state: str) -> None:
        self.desks[dispatcher] = (call_id, state)
        call = self.calls.get(call_id)
        self.publish(DeskChanged(dispatcher=dispatcher, state=state, call_id=call_id,
                                 caller=call.caller if call else ""))

    def _clear(self, dispatcher: str) -> None:
        self.desks.pop(dispatcher, None)
        self.publish(DeskChanged(dispatcher=dispatcher, state="idle"))

    def snapshot(self, dispatcher: str) -> dict[str, Any]:
        """``{state, call}`` for the ``desk`` control action (call the bus worker)."""
        call_id, state = self.desks.get(dispatcher, ("", "idle"))
        call = self.calls.get(call_id)
        if call is None:
            return {"state": "idle" if not call_id else state, "call": None}
        return {"state": state, "call": {"call_id": call.call_id, "caller": call.caller,
                                         "line": call.line, "queue": call.queue,
                                         "since": call.since, "direction": call.direction,
                                         "state": state}}


def _iso(event: ev.Event) -> str:
    return event.at.isoformat().replace("+00:00", "Z")
