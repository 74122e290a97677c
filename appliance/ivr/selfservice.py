"""The desk's self-service in the menu: ``self_order`` and ``order_status``.

The desk owns the data behind a port (``appliance/desk/selfservice.py``,
``SelfService``: ``offer(caller)``, ``place_order(caller, call_id)``,
``status_text(caller)``). Those calls read SQLite and the answers are spoken with
espeak-ng, so both run on a worker thread; results come back to the bus with
``call_soon``. A caller the desk does not know (no history, no order) goes to
the normal menu.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Callable, Protocol

from appliance import events as ev
from appliance.ivr.selfservice_texts import offer_text, placed_text, status_text

log = logging.getLogger("callbox.ivr")

CONFIRM_TIMEOUT_S = 8.0


class SelfServicePort(Protocol):
    def offer(self, caller_e164: str) -> Any: ...  # SelfOffer(address, city) | None

    def place_order(self, caller_e164: str, call_id: str) -> Any: ...  # order id

    def status_text(self, caller_e164: str) -> tuple[str, int | None] | None: ...


class Step(StrEnum):
    LOOKING = "looking"  # asking the desk / speaking (worker thread)
    OFFERING = "offering"  # "your last address is ..., press 1"
    PLACING = "placing"
    TELLING = "telling"  # the last words, then the box hangs up


@dataclass
class Visit:
    call_id: str
    caller: str
    kind: str
    step: Step = Step.LOOKING
    token: int = 0
    timer: ev.Timer | None = None
    cause: str = ""
    files: tuple[str, ...] = ()


class SelfServiceFlow:
    def __init__(self, port: SelfServicePort, speak: Callable[[str, str], None], control, bus,
                 submit: Callable[[Callable[[], None]], object], to_menu: Callable[[str], None],
                 work_dir: str | Path, language: str):
        self._port = port
        self._speak = speak  # (text, out_wav): espeak-ng in the office language
        self._control = control
        self._bus = bus
        self._submit = submit
        self._to_menu = to_menu  # (call_id): back to the normal menu, no greeting
        self._dir = Path(work_dir)
        self._lang = language
        self.calls: dict[str, Visit] = {}

    # -- entry and inputs (bus worker) --------------------------------------------
    def start(self, call_id: str, caller: str, kind: str, language: str = "") -> None:
        visit = self.calls[call_id] = Visit(call_id, caller, kind)
        look = self._look_offer if kind == "self_order" else self._look_status
        self._submit(lambda: self._guarded(visit, look))

    def owns(self, call_id: str) -> bool:
        return call_id in self.calls

    def digit(self, call_id: str, digit: str) -> None:
        visit = self.calls.get(call_id)
        if visit is None or visit.step is not Step.OFFERING:
            return
        self._cancel(visit)
        if digit == "1":
            visit.step = Step.PLACING
            self._control.stop_play(call_id)
            self._submit(lambda: self._guarded(visit, self._place))
        else:
            self._back(visit)

    def prompt_finished(self, call_id: str, token: int) -> None:
        visit = self.calls.get(call_id)
        if visit is None or token != visit.token:
            return
        if visit.step is Step.OFFERING:
            visit.timer = self._bus.call_later(CONFIRM_TIMEOUT_S, lambda: self._back(visit))
        elif visit.step is Step.TELLING:
            self._control.hangup(call_id)

    def hung_up(self, call_id: str, reason: str) -> None:
        visit = self.calls.pop(call_id, None)
        if visit is None:
            return
        self._cancel(visit)
        self._tidy(visit)
        done = visit.step is Step.TELLING and visit.cause
        self._bus.publish(ev.CallEnded(
            call_id=call_id, disposition="answered" if done else "abandoned",
            hangup_cause=visit.cause if done else "caller hung up in self-service",
            ended_by="box" if done else "caller"))

    # -- worker thread ---------------------------------------------------------------
    def _guarded(self, visit: Visit, work: Callable[[Visit], None]) -> None:
        try:
            work(visit)
        except Exception:
            log.exception("call_id=%s self-service failed; back to the menu", visit.call_id)
            self._bus.call_soon(lambda: self._back(visit))

    def _look_offer(self, visit: Visit) -> None:
        offer = self._port.offer(visit.caller)
        if offer is None:
            self._bus.call_soon(lambda: self._back(visit))
            return
        wav = self._say(visit, "offer", offer_text(self._lang, offer.address, offer.city))
        self._bus.call_soon(lambda: self._play(visit, Step.OFFERING, wav))

    def _look_status(self, visit: Visit) -> None:
        found = self._port.status_text(visit.caller)
        if found is None:
            self._bus.call_soon(lambda: self._back(visit))
            return
        state, minutes = found
        wav = self._say(visit, "status", status_text(self._lang, state, minutes))
        visit.cause = f"self-service: order status ({state})"
        self._bus.call_soon(lambda: self._play(visit, Step.TELLING, wav))

    def _place(self, visit: Visit) -> None:
        order_id = self._port.place_order(visit.caller, visit.call_id)
        wav = self._say(visit, "placed", placed_text(self._lang, order_id))
        visit.cause = f"self-service: order {order_id} placed"
        self._bus.call_soon(lambda: self._play(visit, Step.TELLING, wav))

    def _say(self, visit: Visit, what: str, text: str) -> str:
        self._dir.mkdir(parents=True, exist_ok=True)
        out = str(self._dir / f"{visit.call_id}-{what}.wav")
        self._speak(text, out)
        visit.files += (out,)
        return out

    # -- helpers (bus worker) ---------------------------------------------------------
    def _play(self, visit: Visit, step: Step, wav: str) -> None:
        if self.calls.get(visit.call_id) is not visit:
            return  # the caller hung up meanwhile
        visit.step = step
        visit.token = self._control.play(visit.call_id, [wav])

    def _back(self, visit: Visit) -> None:
        if self.calls.pop(visit.call_id, None) is not visit:
            return
        self._cancel(visit)
        self._tidy(visit)
        self._bus.publish(ev.IvrStepped(call_id=visit.call_id, node=visit.kind,
                                        step=f"{visit.kind}:menu"))
        self._to_menu(visit.call_id)

    def _tidy(self, visit: Visit) -> None:
        files = visit.files
        self._submit(lambda: [os.unlink(f) for f in files if os.path.exists(f)])

    @staticmethod
    def _cancel(visit: Visit) -> None:
        if visit.timer is not None:
            visit.timer.cancel()
            visit.timer = None
