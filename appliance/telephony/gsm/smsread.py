"""Reading what a modem lists or returns for a stored SMS (pure; no port).

A reply to ``AT+CMGR``/``AT+CMGL`` is split into entries (header + body lines). In
PDU mode the PDU is the body line that is hex *and* as long as the header says;
a stray line between header and PDU (a boot notice, garbage a D-Link DWM222 sends:
gammu PR #823) is skipped, never decoded in its place. In text mode (modems that
refuse ``AT+CMGF=0``) with ``AT+CSCS="UCS2"`` and ``AT+CSDH=1`` the sender and the
text are UCS2 hex, and ``<fo>``/``<dcs>`` tell whether a user data header (the
multipart reference) leads the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from appliance.telephony.gsm import pdu
from appliance.telephony.gsm.parsers import after_prefix, split_fields, unquote

_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")


class Unreadable(ValueError):
    """The entry is there but nothing in it decodes: keep it raw."""


@dataclass(frozen=True)
class Entry:
    header: str  # "+CMGL: 3,1,,24" / "+CMGR: 0,,24"
    body: tuple[str, ...]

    @property
    def raw(self) -> str:
        return "\n".join((self.header, *self.body))


@dataclass(frozen=True)
class TextMessage:
    sender: str
    text: str
    concat: pdu.Concat | None


def split_entries(lines: list[str], prefix: str) -> list[Entry]:
    """Header lines starting with ``prefix`` and the body lines after each."""
    entries: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith(prefix):
            entries.append((line, []))
        elif entries:
            entries[-1][1].append(line)
    return [Entry(h, tuple(b)) for h, b in entries]


def listing_index(header: str) -> int:
    """``+CMGL: <index>,...`` → index (-1 when unreadable)."""
    try:
        return int(unquote(split_fields(after_prefix(header, "+CMGL"))[0]))
    except (ValueError, IndexError):
        return -1


def pick_pdu(entry: Entry) -> str:
    """The body line that is the PDU; raises :class:`Unreadable` when none is."""
    hexes = [line.strip() for line in entry.body if _HEX.match(line.strip())]
    if not hexes:
        raise Unreadable(f"no PDU after {entry.header!r}")
    tpdu = _declared_length(entry.header)
    for candidate in hexes:
        smsc = int(candidate[:2], 16)
        if tpdu is None or len(candidate) // 2 == 1 + smsc + tpdu:
            return candidate
    return hexes[0]  # lengths disagree: try the first hex line, kept raw if it fails


def _declared_length(header: str) -> int | None:
    prefix = header.split(":", 1)[0]
    fields = split_fields(after_prefix(header, prefix))
    try:
        return int(fields[-1])
    except (ValueError, IndexError):
        return None


def decode_pdu_entry(entry: Entry):
    """The decoded PDU of an entry (Deliver, StatusReport, ...); raises Unreadable."""
    candidate = pick_pdu(entry)
    try:
        return pdu.decode(candidate)
    except Exception as exc:  # any decoder failure: the bytes are kept raw
        raise Unreadable(f"PDU does not decode: {exc}") from exc


# --- text mode -------------------------------------------------------------------------

def decode_text_entry(entry: Entry) -> TextMessage:
    """A text-mode ``+CMGR``/``+CMGL`` entry read with ``AT+CSCS="UCS2"``, ``AT+CSDH=1``.

    +CMGR: <stat>,<oa>,[<alpha>],<scts>[,<tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,<length>]
    +CMGL: <index>,<stat>,<oa>,[<alpha>],[<scts>][,<tooa>,<length>]
    """
    prefix = entry.header.split(":", 1)[0]
    fields = split_fields(after_prefix(entry.header, prefix))
    oa_at = 1 if prefix == "+CMGR" else 2
    if len(fields) <= oa_at:
        raise Unreadable(f"short text-mode header {entry.header!r}")
    sender = _ucs2_or_plain(unquote(fields[oa_at]))
    fo = dcs = None
    if prefix == "+CMGR" and len(fields) >= 9:
        fo, dcs = _int(fields[5]), _int(fields[7])
    body = "\n".join(entry.body)
    compact = body.replace("\n", "")
    udhi = fo is not None and bool(fo & 0x40)
    if udhi and _HEX.match(compact) and dcs is not None and pdu.alphabet(dcs) != "gsm7":
        data = bytes.fromhex(compact)
        udh_len = data[0]
        concat = pdu._parse_udh(data[1:1 + udh_len])
        text = data[1 + udh_len:]
        return TextMessage(sender, _decode_ucs2(text), concat)
    if _HEX.match(compact) and len(compact) % 4 == 0:
        return TextMessage(sender, _decode_ucs2(bytes.fromhex(compact)), None)
    if not body.strip():
        raise Unreadable(f"no text after {entry.header!r}")
    return TextMessage(sender, body, None)


def is_stored_outgoing(entry: Entry) -> bool:
    """A text-mode entry with <stat> "STO SENT"/"STO UNSENT" (plain or UCS2 hex)."""
    prefix = entry.header.split(":", 1)[0]
    fields = split_fields(after_prefix(entry.header, prefix))
    at = 0 if prefix == "+CMGR" else 1
    stat = _ucs2_text(unquote(fields[at])) if len(fields) > at else ""
    return stat.upper().startswith("STO")


def _ucs2_text(text: str) -> str:
    if _HEX.match(text) and len(text) % 4 == 0:
        return _decode_ucs2(bytes.fromhex(text))
    return text


def _decode_ucs2(data: bytes) -> str:
    return data[: len(data) // 2 * 2].decode("utf-16-be", errors="replace")


def _ucs2_or_plain(text: str) -> str:
    if _HEX.match(text) and len(text) % 4 == 0:
        decoded = _decode_ucs2(bytes.fromhex(text))
        if all(c.isdigit() or c in "+*#" for c in decoded):
            return decoded
    return text


def _int(field: str) -> int | None:
    try:
        return int(unquote(field))
    except ValueError:
        return None


def ucs2_hex(text: str) -> str:
    """``"ALL"`` → ``"0041004C004C"`` (string parameters under AT+CSCS="UCS2")."""
    return text.encode("utf-16-be").hex().upper()
