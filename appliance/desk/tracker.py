"""Which call rings (or talks to) which dispatcher, for the caller card on their desk.

A bus subscriber (the bus worker only): it follows the call events and publishes
``DeskChanged`` whenever a dispatcher's desk should show another call or none.

A call between two dispatchers' phones (appliance/transfer/internal.py, known by its
``IvrStepped`` step ``internal:A>B``) is not a customer's: it is kept apart, as the
desk's ``colleague``, so no customer card is looked up for the colleague's extension,
and a customer call A keeps on hold while asking B stays on A's desk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from appliance import events as ev
from appliance.desk.events import DeskChanged

EVENT_TYPES = (ev.CallOffered, ev.CallPlaced, ev.CallQueued, ev.DispatcherRinging,
               ev.DispatcherNoAnswer, ev.CallBridged, ev.CallEnded, ev.CallTransferred,
               ev.TransferFailed, ev.IvrStepped)
INTERNAL = "internal"  # the IvrStepped node of a call between dispatchers' phones


@dataclass
class _Call:
    call_id: str
    caller: str
    line: str
    since: str
    queue: str = ""
    direction: str = "in"


@dataclass
class _Internal:
    caller: str  # A, whose phone dialled
    callee: str  # B, the colleague rung
    answered: bool = False
    rung: bool = False  # B's phone rang (B refused at once when not free: never rung)

    def view(self, call_id: str, name: str) -> dict[str, str]:
        out = name == self.caller
        return {"call_id": call_id, "name": self.callee if out else self.caller,
                "direction": "out" if out else "in",
                "state": "talking" if self.answered else "ringing"}


@dataclass
class DeskTracker:
    publish: Callable[[ev.Event], None]
    calls: dict[str, _Call] = field(default_factory=dict)
    desks: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (call_id, state)
    internal: dict[str, _Internal] = field(default_factory=dict)  # call_id -> between phones

    def handle(self, event: ev.Event) -> None:
        if getattr(event, "call_id", "") in self.internal or isinstance(event, ev.IvrStepped):
            self._internal(event)
        elif isinstance(event, ev.CallOffered):
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

    def _internal(self, event: ev.Event) -> None:
        """A call between two dispatchers' phones: only their ``colleague`` slots change."""
        if isinstance(event, ev.IvrStepped):
            if event.node == INTERNAL and ">" in event.step:
                caller, _, callee = event.step.partition(":")[2].partition(">")
                self.internal[event.call_id] = _Internal(caller, callee)
                self.calls.pop(event.call_id, None)  # A's extension: not a customer
                self._announce(caller)
            return
        call = self.internal[event.call_id]
        if isinstance(event, ev.DispatcherRinging):
            call.rung = True
        elif isinstance(event, ev.CallBridged):
            call.answered = call.rung = True
        elif isinstance(event, ev.DispatcherNoAnswer):
            call.rung = False
        elif isinstance(event, ev.CallEnded):
            del self.internal[event.call_id]
            self.calls.pop(event.call_id, None)
        else:
            return
        self._announce(call.caller)
        self._announce(call.callee)

    def _colleague(self, dispatcher: str) -> dict[str, str] | None:
        for call_id, call in self.internal.items():
            if dispatcher == call.caller or (dispatcher == call.callee and call.rung):
                return call.view(call_id, dispatcher)
        return None

    def _announce(self, dispatcher: str) -> None:
        """The desk's colleague call changed (its customer call, if any, did not)."""
        snap = self.snapshot(dispatcher)
        colleague = snap["colleague"] or {}
        call = snap["call"] or {}
        self.publish(DeskChanged(dispatcher=dispatcher, state=snap["state"],
                                 call_id=call.get("call_id", ""), caller=call.get("caller", ""),
                                 colleague=colleague.get("name", "")))

    def _set(self, dispatcher: str, call_id: str, state: str) -> None:
        self.desks[dispatcher] = (call_id, state)
        call = self.calls.get(call_id)
        self.publish(DeskChanged(dispatcher=dispatcher, state=state, call_id=call_id,
                                 caller=call.caller if call else ""))

    def _clear(self, dispatcher: str) -> None:
        self.desks.pop(dispatcher, None)
        self.publish(DeskChanged(dispatcher=dispatcher, state="idle"))

    def snapshot(self, dispatcher: str) -> dict[str, Any]:
        """``{state, call, colleague}`` for the ``desk`` control action (call the bus
        worker). ``call`` is the customer's call; ``colleague`` a call between phones
        (``{call_id, name, direction: in|out, state: ringing|talking}``). With only the
        colleague's call, ``state`` is B's ringing/talking, and talking for A (A's
        phone is in a call)."""
        colleague = self._colleague(dispatcher)
        call_id, state = self.desks.get(dispatcher, ("", "idle"))
        call = self.calls.get(call_id)
        if call is None:
            state = "idle" if not call_id else state
            if colleague is not None and state == "idle":
                state = colleague["state"] if colleague["direction"] == "in" else "talking"
            return {"state": state, "call": None, "colleague": colleague}
        return {"state": state, "call": {"call_id": call.call_id, "caller": call.caller,
                                         "line": call.line, "queue": call.queue,
                                         "since": call.since, "direction": call.direction,
                                         "state": state},
                "colleague": colleague}


def _iso(event: ev.Event) -> str:
    return event.at.isoformat().replace("+00:00", "Z")
