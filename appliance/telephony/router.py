"""One ``CallControl`` over every line: signalling goes to the line that owns the
call, audio always goes through the SIP engine's conference bridge (GSM audio
enters it through a media port)."""

from __future__ import annotations

import logging
import time
from typing import Callable, Sequence

from appliance import events as ev
from appliance.errors import SipEngineMissing
from appliance.telephony.ports import Capacity, Line

log = logging.getLogger("callbox.router")


class CallRouter:
    def __init__(self, sip_settings, publish: Callable[[ev.Event], None],
                 engine_factory: Callable | None = None):
        self._settings = sip_settings
        self._publish = publish
        self._engine_factory = engine_factory
        self.engine = None
        self.lines: dict[str, Line] = {}
        self._owner: dict[str, Line] = {}  # call/leg id -> GSM line
        self.missing = ""

    # ------------------------------------------------------------ lifecycle
    def add_line(self, make: Callable[[Callable[[ev.Event], None]], Line]) -> Line:
        """Add a GSM line; ``make`` receives the publish function the line must use."""
        line = make(self._line_publish)
        self.lines[line.name] = line
        return line

    def start(self) -> None:
        for line in self.lines.values():
            line.start()
        try:
            factory = self._engine_factory
            if factory is None:
                from appliance.telephony.sip.engine import SipEngine as factory
            self.engine = factory(self._settings, self._publish)
        except SipEngineMissing as exc:
            self.missing = str(exc)
            raise
        self.engine.start()

    def wait_settled(self, timeout: float) -> list[str]:
        """Wait (bounded) until every line finished its first initialisation, well or not;
        returns the names of lines still busy with it."""
        deadline = time.monotonic() + timeout
        for line in self.lines.values():
            settled = getattr(line, "settled", None)
            if settled is not None:
                settled.wait(max(0.0, deadline - time.monotonic()))
        return [name for name, line in self.lines.items()
                if getattr(line, "settled", None) is not None and not line.settled.is_set()]

    def stop(self) -> None:
        for line in self.lines.values():
            line.stop()
        if self.engine is not None:
            self.engine.stop()

    def alive(self) -> bool:
        return self.engine is None or self.engine.alive()

    # ------------------------------------------------------------ GSM events
    def _line_publish(self, event: ev.Event) -> None:
        """Events from GSM lines pass here so the router learns who owns which call."""
        if isinstance(event, ev.CallOffered):
            self._owner[event.call_id] = self.lines[event.line]
        elif isinstance(event, ev.CallAnswered):
            self._attach(event.call_id, inbound=True)
        elif isinstance(event, ev.LegAnswered):
            self._attach(event.leg_id, inbound=False)
        elif isinstance(event, (ev.CallHungUp, ev.LegEnded)):
            key = getattr(event, "call_id", None) or getattr(event, "leg_id")
            self._owner.pop(key, None)
            if self.engine is not None:
                self.engine.detach_media(key)
        self._publish(event)

    def _attach(self, call_id: str, inbound: bool) -> None:
        line = self._owner.get(call_id)
        media = line.media(call_id) if line is not None else None
        if media is not None and self.engine is not None:
            self.engine.attach_media(call_id, media, inbound=inbound)

    # ------------------------------------------------------------ CallControl
    def capacity(self) -> Capacity:
        return self.engine.capacity() if self.engine is not None else Capacity(0, 0)

    def answer(self, call_id: str) -> None:
        line = self._owner.get(call_id)
        if line is not None:
            line.answer(call_id)  # the line publishes CallAnswered once connected
        elif self.engine is not None:
            self.engine.answer(call_id)

    def reject(self, call_id: str, code: int, reason: str) -> None:
        line = self._owner.get(call_id)
        (line or self.engine).reject(call_id, code, reason)

    def hangup(self, call_id: str, code: int = 0) -> None:
        line = self._owner.get(call_id)
        if line is not None:
            line.hangup(call_id, code)
        elif self.engine is not None:
            self.engine.hangup(call_id, code)

    def play(self, call_id: str, files: Sequence[str], loop: bool = False) -> int:
        return self.engine.play(call_id, files, loop) if self.engine is not None else 0

    def stop_play(self, call_id: str) -> None:
        if self.engine is not None:
            self.engine.stop_play(call_id)

    def originate(self, leg_id: str, uri: str, caller_id: str = "", for_call: str = "") -> None:
        if uri.startswith("gsm:"):  # gsm:<line>/<number>: callbacks through a modem
            name, _, number = uri[4:].partition("/")
            line = self.lines[name]
            self._owner[leg_id] = line
            line.originate(leg_id, number)
        elif self.engine is not None:
            self.engine.originate(leg_id, uri, caller_id, for_call)
        else:
            self._publish(ev.LegEnded(leg_id=leg_id, code=503, reason=self.missing or "no SIP engine"))

    def bridge(self, call_id: str, leg_id: str) -> None:
        if self.engine is not None:
            self.engine.bridge(call_id, leg_id)

    def status(self) -> list[dict]:
        lines = self.engine.status() if self.engine is not None else [
            {"name": self._settings.name, "kind": "sip", "state": "alarm",
             "detail": self.missing or "SIP engine missing"}]
        return lines + [line.status() for line in self.lines.values()]
