"""One USSD exchange at a time on a line: send, wait for the +CUSD reply, store it.

A release (``+CUSD: 2`` with no text) that comes before the answer is ignored.
A release *with* text (``+CUSD: 2,"session closed",15``) is held for a short grace:
when the real answer (``+CUSD: 0``/``1``) follows, that is the answer and the notice
is only logged; when nothing follows, the status-2 text was the answer (some
networks answer balance requests that way: gammu issue #358). ``+CUSD: 4`` (not
supported) fails the request; a reply that asks for more input (``+CUSD: 1``) is
shown and the session closed (the box does not walk menus). Multi-line answers keep
their lines and blank lines.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appliance.errors import ModemError
from appliance.store.messages import MessageStore
from appliance.telephony.gsm import parsers, ussd
from appliance.telephony.gsm.worker import Timer, Worker

if TYPE_CHECKING:
    from appliance.telephony.gsm.line import GsmLine

log = logging.getLogger("callbox.gsm.ussd")


class UssdFailed(ModemError):
    pass


@dataclass
class _Pending:
    code: str
    future: Future
    timer: Timer | None = None
    held: str | None = None  # the text of a status-2 release, until the grace ends
    grace: Timer | None = None


class UssdFlow:
    def __init__(self, line: "GsmLine", store: MessageStore, worker: Worker):
        self._line = line
        self._store = store
        self._worker = worker
        self._pending: _Pending | None = None

    def request(self, code: str) -> Future:
        future: Future = Future()
        self._worker.post(lambda: self.start(code, future))
        return future

    def start(self, code: str, future: Future) -> None:
        """Worker thread."""
        if self._pending is not None:
            self._fail(UssdFailed("superseded by a newer USSD request"))
        mode = self._mode()
        self._pending = pending = _Pending(code, future)
        try:
            self._line.command(ussd.encode_request(code, mode), timeout=15.0)
        except ModemError as exc:
            if self._pending is pending:
                self._fail(exc)
            return
        if self._pending is pending:
            pending.timer = self._worker.call_later(self._line.timing.ussd_timeout,
                                                    lambda: self._timeout(pending))

    def on_reply(self, lines: list[str]) -> None:
        """Worker thread: a complete +CUSD URC."""
        try:
            reply = parsers.parse_cusd(lines)
        except ValueError:
            log.warning("unreadable +CUSD line=%s lines=%r", self._line.name, lines)
            return
        if reply.text is None:
            if reply.status in (3, 4, 5) and self._pending is not None:
                self._fail(UssdFailed(ussd.STATUS_TEXT.get(reply.status, "USSD failed")))
            else:
                log.info("USSD status %d without text line=%s (ignored)", reply.status,
                         self._line.name)
            return
        text = ussd.decode_reply(reply.text, reply.dcs, self._mode())
        pending = self._pending
        if reply.status == 2 and pending is None:
            log.info("USSD release notice line=%s text=%r", self._line.name, text)
            return  # after the answer: never stored over it
        if reply.status == 2 and pending is not None:
            self._hold(pending, text)
            return
        if pending is not None and pending.held is not None:
            log.info("USSD release notice before the answer line=%s text=%r (not the answer)",
                     self._line.name, pending.held)
        self._answer(text, reply.status)

    def _hold(self, pending: _Pending, text: str) -> None:
        """A status-2 text: the answer unless the real one follows within the grace."""
        if pending.held is not None:
            self._answer(pending.held, 2)  # two releases: the first was the answer
            if self._pending is None:
                return
        pending.held = text
        pending.grace = self._worker.call_later(self._line.timing.ussd_release_grace,
                                                lambda: self._grace_over(pending))

    def _grace_over(self, pending: _Pending) -> None:
        if self._pending is pending and pending.held is not None:
            self._answer(pending.held, 2)

    def _answer(self, text: str, status: int) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and pending.grace is not None:
            pending.grace.cancel()
        request = pending.code if pending else ""
        self._store.add_ussd(self._line.name, request, text)
        if request and request == self._line.cfg.balance_ussd:
            self._line.health.update(balance=text)
        log.info("USSD reply line=%s request=%s text=%r", self._line.name, request, text)
        if pending is not None:
            if pending.timer:
                pending.timer.cancel()
            pending.future.set_result(text)
        if status == 1:
            try:
                self._line.command("AT+CUSD=2")
            except ModemError:
                pass

    def _mode(self) -> str:
        if self._line.sms.mode == "text":
            return "ucs2"  # text-mode SMS runs the modem with AT+CSCS="UCS2"
        profile = self._line.profile
        return profile.ussd if profile else "text"

    def _timeout(self, pending: _Pending) -> None:
        if self._pending is pending:
            self._fail(UssdFailed(f"no USSD reply to {pending.code}"))

    def _fail(self, exc: Exception) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        for timer in (pending.timer, pending.grace):
            if timer:
                timer.cancel()
        if not pending.future.done():
            pending.future.set_exception(exc)
