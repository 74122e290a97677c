"""One USSD exchange at a time on a line: send, wait for the +CUSD reply, store it.

A release (``+CUSD: 2`` with no text) that comes before the answer is ignored;
``+CUSD: 4`` (not supported) fails the request; a reply that asks for more input
(``+CUSD: 1``) is shown and the session closed (the box does not walk menus).
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
        profile = self._line.profile
        mode = profile.ussd if profile else "text"
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
        profile = self._line.profile
        text = ussd.decode_reply(reply.text, reply.dcs, profile.ussd if profile else "text")
        pending, self._pending = self._pending, None
        request = pending.code if pending else ""
        self._store.add_ussd(self._line.name, request, text)
        if request and request == self._line.cfg.balance_ussd:
            self._line.health.update(balance=text)
        log.info("USSD reply line=%s request=%s text=%r", self._line.name, request, text)
        if pending is not None:
            if pending.timer:
                pending.timer.cancel()
            pending.future.set_result(text)
        if reply.status == 1:
            try:
                self._line.command("AT+CUSD=2")
            except ModemError:
                pass

    def _timeout(self, pending: _Pending) -> None:
        if self._pending is pending:
            self._fail(UssdFailed(f"no USSD reply to {pending.code}"))

    def _fail(self, exc: Exception) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        if pending.timer:
            pending.timer.cancel()
        if not pending.future.done():
            pending.future.set_exception(exc)
