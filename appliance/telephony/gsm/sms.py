"""SMS on one line: receive (+CMTI → read → store → delete; +CMT direct), send
(PDU mode, split and referenced), delivery reports (+CDS). Runs on the line's worker.

A part is committed to SQLite before the modem deletes it; SmsReceived is published
once, when the last part of a message is in.
"""

from __future__ import annotations

import logging
import random
from typing import Callable

from appliance.errors import ModemError
from appliance.events import Event, SmsReceived
from appliance.store.messages import MessageStore
from appliance.telephony.gsm import parsers, pdu
from appliance.telephony.gsm.channel import CommandFailed

log = logging.getLogger("callbox.gsm.sms")

Command = Callable[..., list[str]]


class SmsService:
    def __init__(self, line: str, publish: Callable[[Event], None], store: MessageStore,
                 region: str, ref_bits: int = 8):
        self._line = line
        self._publish = publish
        self._store = store
        self._region = region
        self._ref_bits = ref_bits
        self._next_ref = random.randint(0, 255)

    # -- receive -------------------------------------------------------------------------
    def on_cmti(self, cmd: Command, index: int) -> None:
        try:
            lines = cmd(f"AT+CMGR={index}", timeout=10.0)
        except CommandFailed as exc:  # already read (by the listing after init) and deleted
            log.info("SMS slot gone line=%s index=%d error=%s", self._line, index, exc.error.code)
            return
        pdu_hex = _pdu_line(lines)
        if pdu_hex is None:
            log.warning("empty SMS slot line=%s index=%d", self._line, index)
            return
        self.on_pdu(pdu_hex)
        self._delete(cmd, index)

    def on_pdu(self, pdu_hex: str) -> None:
        """A PDU from +CMGR, +CMGL or +CMT (SMSC part first)."""
        try:
            msg = pdu.decode(pdu_hex)
        except pdu.PduError as exc:
            log.warning("undecodable SMS line=%s error=%s pdu=%s", self._line, exc, pdu_hex[:60])
            return
        if isinstance(msg, pdu.StatusReport):
            self.on_report(msg)
            return
        if not isinstance(msg, pdu.Deliver):
            return
        number, _ = parsers.normalize_caller(msg.sender, None, self._region)
        concat = msg.concat
        mid, complete, text = self._store.add_incoming(
            self._line, number, msg.text, part=concat.seq if concat else 1,
            parts=concat.total if concat else 1, ref=concat.ref if concat else None)
        log.info("sms in line=%s from=%s part=%s/%s complete=%s", self._line, number,
                 concat.seq if concat else 1, concat.total if concat else 1, complete)
        if complete:
            self._publish(SmsReceived(line=self._line, number=number, text=text,
                                      message_id=mid))

    def on_report(self, report: pdu.StatusReport) -> None:
        if not report.final:
            return
        mid = self._store.record_delivery(self._line, report.mr, report.delivered)
        log.info("sms report line=%s mr=%d status=%#x message=%s", self._line, report.mr,
                 report.status, mid)

    def read_stored(self, cmd: Command) -> int:
        """Read and clear what arrived while the box was not listening (after init)."""
        lines = cmd("AT+CMGL=4", timeout=20.0, expect="+CMGL:")
        count = 0
        for i, line in enumerate(lines):
            if line.startswith("+CMGL:") and i + 1 < len(lines):
                self.on_pdu(lines[i + 1])
                self._delete(cmd, parsers.parse_cmgl(line))
                count += 1
        return count

    def _delete(self, cmd: Command, index: int) -> None:
        try:
            cmd(f"AT+CMGD={index}")
        except CommandFailed as exc:
            log.warning("could not delete SMS line=%s index=%d error=%s", self._line, index,
                        exc.error.code)

    # -- send ---------------------------------------------------------------------------------
    def prepare(self, number: str, text: str) -> tuple[int, list[pdu.Submit]]:
        """Store the message as ``sending`` and build its PDUs."""
        self._next_ref = (self._next_ref + 1) % (256 if self._ref_bits == 8 else 65536)
        parts = pdu.encode_submit(number, text, ref=self._next_ref, ref_bits=self._ref_bits)
        mid = self._store.add_outgoing(self._line, number, text, parts=len(parts),
                                       ref=parts[0].ref)
        return mid, parts

    def send(self, cmd: Command, mid: int, parts: list[pdu.Submit]) -> None:
        try:
            for part in parts:
                lines = cmd(f"AT+CMGS={part.length}", data=part.hex, timeout=60.0)
                line = parsers.find_line(lines, "+CMGS:")
                mr = parsers.parse_cmgs(line) if line else -1
                text = pdu.decode(part.hex).text  # type: ignore[union-attr]
                self._store.part_sent(mid, part.seq, text, mr)
        except (ModemError, pdu.PduError) as exc:
            log.warning("sms send failed line=%s message=%d error=%s", self._line, mid, exc)
            self._store.set_status(mid, "failed", str(exc))
            raise
        self._store.set_status(mid, "sent")


def _pdu_line(lines: list[str]) -> str | None:
    for i, line in enumerate(lines):
        if line.startswith("+CMGR:"):
            return lines[i + 1] if i + 1 < len(lines) else None
    return None
