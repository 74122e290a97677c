"""SMS on one line: receive (+CMTI → read → store → delete; +CMT direct), send
(PDU mode, split and referenced; text mode where the modem refuses PDU mode),
delivery reports (+CDS). Runs on the line's worker.

Nothing is deleted from the modem unless it was stored first: a part is committed to
SQLite before ``AT+CMGD``; an entry that does not decode (a broken PDU, a listing
with a stray line, an empty body) is stored raw with status ``undecodable``, an alarm
is raised once, and it stays on the modem. ``+CMTI`` naming another storage than the
one being read is read after ``AT+CPMS`` selects it. SmsReceived is published once,
when the last part of a message is in — or when a part has waited
``GsmTiming.partial_sms_timeout`` for the rest (status ``incomplete``).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Callable

from appliance.errors import ModemError
from appliance.events import AlarmRaised, Event, SmsReceived
from appliance.i18n import N_
from appliance.store.messages import MessageStore
from appliance.telephony.gsm import causes, parsers, pdu, smsread
from appliance.telephony.gsm.channel import CommandFailed
from appliance.telephony.gsm.smsread import Entry, Unreadable

log = logging.getLogger("callbox.gsm.sms")

Command = Callable[..., list[str]]

ALARM_UNREADABLE = N_("An SMS could not be read: it stays on the SIM and its raw data "
                      "is kept in the message list")
STORAGES = ("SM", "ME")  # read at start: what arrived while the box was not listening


class SmsService:
    def __init__(self, line: str, publish: Callable[[Event], None], store: MessageStore,
                 region: str, ref_bits: int = 8):
        self._line = line
        self._publish = publish
        self._store = store
        self._region = region
        self._ref_bits = ref_bits
        self._next_ref = random.randint(0, 255)
        self.mode = "pdu"  # "text" when the modem refused AT+CMGF=0 (set by init)
        self._mem1: str | None = None  # the storage AT+CMGR/AT+CMGD work on

    # -- receive -------------------------------------------------------------------------
    def on_cmti(self, cmd: Command, index: int, storage: str = "") -> None:
        # Selected every time: a modem that restarted quietly is back on its default
        # memory, and reading the same index there reads (and deletes) another SMS.
        self._mem1 = None
        if storage and not self._select(cmd, storage):
            return  # kept on the modem; the next start-up listing reads it
        try:
            lines = cmd(f"AT+CMGR={index}", timeout=10.0)
        except CommandFailed as exc:  # already read (by the listing after init) and deleted
            log.info("SMS slot gone line=%s index=%d error=%s", self._line, index, exc.error.code)
            return
        entries = smsread.split_entries(lines, "+CMGR:")
        if not entries:
            log.warning("empty SMS slot line=%s index=%d lines=%r", self._line, index, lines)
            return
        self._take(cmd, entries[0], self._mem1 or storage or "SM", index)

    def read_stored(self, cmd: Command) -> int:
        """Read and clear what arrived while the box was not listening (after init)."""
        count = 0
        for storage in STORAGES:
            if not self._select(cmd, storage):
                continue
            try:
                lines = self._list(cmd)
            except CommandFailed as exc:
                log.info("cannot list SMS line=%s storage=%s error=%s", self._line, storage,
                         exc.error.code)
                continue
            for entry in smsread.split_entries(lines, "+CMGL:"):
                index = smsread.listing_index(entry.header)
                if self.mode == "text" and index >= 0:
                    entry = self._read_full(cmd, index) or entry
                if self._take(cmd, entry, storage, index):
                    count += 1
        return count

    @staticmethod
    def _read_full(cmd: Command, index: int) -> Entry | None:
        """Text mode: a listing has no <fo>/<dcs> (multipart headers go unseen); the
        AT+CMGR reply with AT+CSDH=1 has them."""
        try:
            entries = smsread.split_entries(cmd(f"AT+CMGR={index}", timeout=10.0), "+CMGR:")
        except CommandFailed:
            return None
        return entries[0] if entries else None

    def _list(self, cmd: Command) -> list[str]:
        if self.mode == "pdu":
            return cmd("AT+CMGL=4", timeout=20.0, expect="+CMGL:")
        try:
            return cmd('AT+CMGL="ALL"', timeout=20.0, expect="+CMGL:")
        except CommandFailed:  # string parameters in the UCS2 character set
            return cmd(f'AT+CMGL="{smsread.ucs2_hex("ALL")}"', timeout=20.0, expect="+CMGL:")

    def _select(self, cmd: Command, storage: str) -> bool:
        """``AT+CPMS`` so that reading and deleting work on ``storage``."""
        if storage == self._mem1:
            return True
        for form in (storage, smsread.ucs2_hex(storage)):
            try:
                cmd(f'AT+CPMS="{form}"', timeout=5.0)
            except CommandFailed:
                continue
            self._mem1 = storage
            return True
        log.warning("cannot select SMS storage line=%s storage=%s", self._line, storage)
        return False

    def _take(self, cmd: Command, entry: Entry, storage: str, index: int) -> bool:
        """Store one entry, then delete it; an unreadable one is kept (raw + alarm)."""
        try:
            if not self._store_entry(entry):
                return False  # a message sent from this SIM by a phone: left alone
        except Unreadable as exc:
            self._keep_raw(entry, storage, index, str(exc))
            return False
        if index >= 0:
            self._delete(cmd, index)
        return True

    def _store_entry(self, entry: Entry) -> bool:
        """Store what the entry holds; False for an outgoing one (SMS-SUBMIT) kept there."""
        if self.mode == "text":
            if smsread.is_stored_outgoing(entry):
                log.info("stored outgoing SMS left on the modem line=%s header=%r", self._line,
                         entry.header)
                return False
            msg = smsread.decode_text_entry(entry)
            self._deliver(msg.sender, msg.text, msg.concat)
            return True
        decoded = smsread.decode_pdu_entry(entry)
        if isinstance(decoded, pdu.StatusReport):
            self.on_report(decoded)
        elif isinstance(decoded, pdu.Deliver):
            self._deliver(decoded.sender, decoded.text, decoded.concat)
        else:
            log.info("stored outgoing SMS left on the modem line=%s header=%r", self._line,
                     entry.header)
            return False
        return True

    def _keep_raw(self, entry: Entry, storage: str, index: int, why: str) -> None:
        shown = causes.KEPT_UNREAD % {"storage": storage, "index": index}
        mid, new = self._store.add_undecodable(self._line, storage, index, entry.raw, shown)
        log.error("undecodable SMS kept line=%s storage=%s index=%d message=%d error=%s raw=%r",
                  self._line, storage, index, mid, why, entry.raw[:200])
        if new:
            self._publish(AlarmRaised(source=f"gsm:{self._line}", message=ALARM_UNREADABLE))

    def on_pdu(self, pdu_hex: str, header: str = "+CMT:") -> None:
        """A PDU delivered directly (+CMT, +CDS): no copy on the modem, so an
        unreadable one is kept raw here (with the alarm)."""
        entry = Entry(header, (pdu_hex,))
        try:
            decoded = smsread.decode_pdu_entry(entry)
            if isinstance(decoded, pdu.StatusReport):
                self.on_report(decoded)
            elif isinstance(decoded, pdu.Deliver):
                self._deliver(decoded.sender, decoded.text, decoded.concat)
            else:
                raise Unreadable(f"not a received message: {type(decoded).__name__}")
        except Unreadable as exc:
            self._keep_raw(entry, "direct", -1, str(exc))

    def _deliver(self, sender: str, text: str, concat: pdu.Concat | None) -> None:
        number, _ = parsers.normalize_caller(sender, None, self._region)
        mid, complete, joined = self._store.add_incoming(
            self._line, number, text, part=concat.seq if concat else 1,
            parts=concat.total if concat else 1, ref=concat.ref if concat else None)
        log.info("sms in line=%s from=%s part=%s/%s complete=%s", self._line, number,
                 concat.seq if concat else 1, concat.total if concat else 1, complete)
        if complete:
            self._publish(SmsReceived(line=self._line, number=number, text=joined,
                                      message_id=mid))

    def expire_partial(self, older_than: float) -> int:
        """Show multipart messages whose other parts never came, as incomplete."""
        rows = self._store.expire_partial(self._line, timedelta(seconds=older_than))
        for row in rows:
            log.warning("incomplete SMS line=%s message=%d from=%s: parts missing after %ds",
                        self._line, row["id"], row["number"], older_than)
            self._publish(SmsReceived(line=self._line, number=row["number"], text=row["text"],
                                      message_id=row["id"]))
        return len(rows)

    def on_report(self, report: pdu.StatusReport) -> None:
        if not report.final:
            return
        mid = self._store.record_delivery(self._line, report.mr, report.delivered)
        log.info("sms report line=%s mr=%d status=%#x message=%s", self._line, report.mr,
                 report.status, mid)

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
                if self.mode == "text":
                    lines = self._send_text(cmd, part)
                else:
                    lines = cmd(f"AT+CMGS={part.length}", data=part.hex, timeout=60.0)
                line = parsers.find_line(lines, "+CMGS:")
                mr = parsers.parse_cmgs(line) if line else -1
                text = pdu.decode(part.hex).text  # type: ignore[union-attr]
                self._store.part_sent(mid, part.seq, text, mr)
        except (ModemError, pdu.PduError) as exc:
            error = causes.sms_error_text(exc.error.number, exc.error.text) \
                if isinstance(exc, CommandFailed) and exc.error.kind == "CMS" else str(exc)
            log.warning("sms send failed line=%s message=%d error=%s", self._line, mid, error)
            self._store.set_status(mid, "failed", error)
            raise
        self._store.set_status(mid, "sent")

    @staticmethod
    def _send_text(cmd: Command, part: pdu.Submit) -> list[str]:
        """Text mode (AT+CSCS="UCS2", AT+CSMP=17,167,0,8): each part goes as its own
        message — number and text as UCS2 hex (no header to join them there)."""
        info = pdu.decode(part.hex)
        assert isinstance(info, pdu.SubmitInfo)
        return cmd(f'AT+CMGS="{smsread.ucs2_hex(info.recipient)}"',
                   data=smsread.ucs2_hex(info.text), timeout=60.0)
