"""SMS PDU codec (3GPP TS 23.040): SMS-DELIVER and STATUS-REPORT in, SMS-SUBMIT out.

GSM-7 (with the extension table) and UCS2, concatenation with 8- and 16-bit
references. Pure functions: no I/O, no state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from appliance.telephony.gsm import gsm7

MAX_SINGLE = {"gsm7": 160, "ucs2": 70}  # septets / UTF-16 units in one SMS
UDH_CONCAT8 = 6  # UDHL + IE 00 (5 octets)
UDH_CONCAT16 = 7  # UDHL + IE 08 (6 octets)


class PduError(ValueError):
    """A PDU could not be decoded."""


@dataclass(frozen=True)
class Concat:
    ref: int
    total: int
    seq: int
    bits: int = 8


@dataclass(frozen=True)
class Deliver:
    sender: str
    text: str
    timestamp: datetime | None
    dcs: int
    concat: Concat | None
    smsc: str = ""


@dataclass(frozen=True)
class StatusReport:
    mr: int
    recipient: str
    status: int  # TP-ST
    discharged: datetime | None

    @property
    def delivered(self) -> bool:
        return self.status < 0x20

    @property
    def final(self) -> bool:
        """False while the SMSC is still trying (0x20-0x3F)."""
        return not 0x20 <= self.status < 0x40


@dataclass(frozen=True)
class Submit:
    """One SMS-SUBMIT ready for AT+CMGS=<length>."""
    hex: str
    length: int  # TPDU octets, without the SMSC part
    seq: int
    total: int
    ref: int | None


@dataclass(frozen=True)
class SubmitInfo:
    """A decoded SMS-SUBMIT (what the simulator receives)."""
    recipient: str
    text: str
    concat: Concat | None
    status_report: bool
    mr: int


# --- reading ------------------------------------------------------------------

class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise PduError(f"PDU too short: wanted {n} octets at {self.pos}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def octet(self) -> int:
        return self.take(1)[0]

    def rest(self) -> bytes:
        return self.take(len(self.data) - self.pos)


def _semi_octets(data: bytes) -> str:
    digits = []
    for b in data:
        for nibble in (b & 0x0F, b >> 4):
            if nibble == 0x0F:
                continue
            digits.append("0123456789*#abc"[nibble])
    return "".join(digits)


def _read_address(r: _Reader) -> str:
    length, toa = r.octet(), r.octet()
    raw = r.take((length + 1) // 2)
    if (toa & 0x70) == 0x50:  # alphanumeric sender, e.g. "MTS" or "Irancell"
        return gsm7.decode_packed(raw, length * 4 // 7)
    digits = _semi_octets(raw)[:length]
    return "+" + digits if (toa & 0x70) == 0x10 and digits else digits


def _read_smsc(r: _Reader) -> str:
    length = r.octet()
    if length == 0:
        return ""
    toa = r.octet()
    digits = _semi_octets(r.take(length - 1))
    return "+" + digits if (toa & 0x70) == 0x10 else digits


def _bcd(b: int) -> int:
    return (b & 0x0F) * 10 + (b >> 4)


def _read_timestamp(r: _Reader) -> datetime | None:
    raw = r.take(7)
    try:
        year, month, day, hour, minute, second = (_bcd(b) for b in raw[:6])
        tz = raw[6]
        quarters = (tz & 0x07) * 10 + (tz >> 4)
        offset = timedelta(minutes=15 * quarters) * (-1 if tz & 0x08 else 1)
        local = datetime(2000 + year, month, day, hour, minute, second,
                         tzinfo=timezone(offset))
        return local.astimezone(timezone.utc)
    except ValueError:
        return None  # some SMSCs send nonsense dates; the text still counts


def alphabet(dcs: int) -> str:
    """'gsm7', '8bit' or 'ucs2' for an SMS data coding scheme (23.038 section 4)."""
    group = dcs >> 4
    if group <= 0x07:  # general data coding (00xx) and auto-deletion (01xx)
        return ("gsm7", "8bit", "ucs2", "gsm7")[(dcs >> 2) & 0x03]
    if group in (0x0C, 0x0D):
        return "gsm7"
    if group == 0x0E:
        return "ucs2"
    if group == 0x0F:
        return "8bit" if dcs & 0x04 else "gsm7"
    return "8bit"


def _parse_udh(udh: bytes) -> Concat | None:
    i, concat = 0, None
    while i + 2 <= len(udh):
        iei, iel = udh[i], udh[i + 1]
        body = udh[i + 2:i + 2 + iel]
        if iei == 0x00 and iel == 3:
            concat = Concat(ref=body[0], total=body[1], seq=body[2], bits=8)
        elif iei == 0x08 and iel == 4:
            concat = Concat(ref=(body[0] << 8) | body[1], total=body[2], seq=body[3], bits=16)
        i += 2 + iel
    if concat is not None and not 1 <= concat.seq <= concat.total:
        return None
    return concat


def _read_user_data(r: _Reader, dcs: int, udhi: bool) -> tuple[str, Concat | None]:
    udl = r.octet()
    ud = r.rest()
    concat, header_len = None, 0
    if udhi and ud:
        header_len = ud[0] + 1
        concat = _parse_udh(ud[1:header_len])
    kind = alphabet(dcs)
    if kind == "gsm7":
        header_septets = (header_len * 8 + 6) // 7
        fill = header_septets * 7 - header_len * 8
        text = gsm7.from_septets(gsm7.unpack(ud[header_len:], udl - header_septets, fill))
    elif kind == "ucs2":
        body = ud[header_len:udl]
        text = body[: len(body) // 2 * 2].decode("utf-16-be", errors="replace")
    else:
        text = ud[header_len:udl].decode("latin-1")
    return text, concat


def decode(pdu_hex: str, with_smsc: bool = True) -> Deliver | StatusReport | SubmitInfo:
    """Decode a PDU as the modem shows it (+CMGR, +CMT, +CDS), SMSC part first."""
    try:
        r = _Reader(bytes.fromhex(pdu_hex.strip()))
    except ValueError as exc:
        raise PduError(f"not hex: {pdu_hex[:40]!r}") from exc
    try:
        smsc = _read_smsc(r) if with_smsc else ""
        first = r.octet()
        mti = first & 0x03
        if mti == 0x00:
            return _decode_deliver(r, first, smsc)
        if mti == 0x02:
            return _decode_status(r)
        return _decode_submit(r, first)
    except IndexError as exc:
        raise PduError("truncated PDU") from exc


def _decode_deliver(r: _Reader, first: int, smsc: str) -> Deliver:
    sender = _read_address(r)
    r.octet()  # TP-PID
    dcs = r.octet()
    ts = _read_timestamp(r)
    text, concat = _read_user_data(r, dcs, bool(first & 0x40))
    return Deliver(sender=sender, text=text, timestamp=ts, dcs=dcs, concat=concat, smsc=smsc)


def _decode_status(r: _Reader) -> StatusReport:
    mr = r.octet()
    recipient = _read_address(r)
    _read_timestamp(r)  # service centre time stamp
    discharged = _read_timestamp(r)
    return StatusReport(mr=mr, recipient=recipient, status=r.octet(), discharged=discharged)


def _decode_submit(r: _Reader, first: int) -> SubmitInfo:
    mr = r.octet()
    recipient = _read_address(r)
    r.octet()  # TP-PID
    dcs = r.octet()
    vpf = (first >> 3) & 0x03
    r.take({0: 0, 2: 1}.get(vpf, 7))
    text, concat = _read_user_data(r, dcs, bool(first & 0x40))
    return SubmitInfo(recipient=recipient, text=text, concat=concat,
                      status_report=bool(first & 0x20), mr=mr)


# --- writing ------------------------------------------------------------------

def encode_address(number: str) -> bytes:
    digits = "".join(ch for ch in number if ch.isdigit())
    toa = 0x91 if number.startswith("+") else 0x81
    padded = digits + ("F" if len(digits) % 2 else "")
    swapped = "".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2))
    return bytes([len(digits), toa]) + bytes.fromhex(swapped)


def _split(text: str, kind: str, per_part: int) -> list[str]:
    """Split without breaking an escape pair (GSM-7) or a surrogate pair (UCS2)."""
    parts, current, used = [], [], 0
    for ch in text:
        size = gsm7.septet_len(ch) if kind == "gsm7" else (2 if ord(ch) > 0xFFFF else 1)
        if used + size > per_part:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += size
    parts.append("".join(current))
    return parts


def _encode_text(text: str, kind: str, udh: bytes) -> tuple[int, bytes]:
    if kind == "ucs2":
        body = udh + text.encode("utf-16-be")
        return len(body), body
    header_septets = (len(udh) * 8 + 6) // 7
    fill = header_septets * 7 - len(udh) * 8
    septets = gsm7.to_septets(text)
    return header_septets + len(septets), udh + gsm7.pack(septets, fill)


def encode_submit(number: str, text: str, ref: int | None = None, ref_bits: int = 8,
                  status_report: bool = True, validity: int | None = 0xA7) -> list[Submit]:
    """SMS-SUBMIT PDUs (no SMSC: the SIM's default), split and referenced as needed.

    ``ref`` is the concatenation reference for a multipart message (required then).
    ``validity`` is the relative TP-VP octet (0xA7 = 24 hours); None sends no TP-VP.
    """
    kind = "gsm7" if gsm7.encodable(text) else "ucs2"
    size = gsm7.septet_len(text) if kind == "gsm7" else len(text.encode("utf-16-be")) // 2
    if size <= MAX_SINGLE[kind]:
        chunks = [text]
    else:
        if ref is None:
            raise ValueError("a multipart SMS needs a concatenation reference")
        udh_len = UDH_CONCAT8 if ref_bits == 8 else UDH_CONCAT16
        per_part = (MAX_SINGLE[kind] * (7 if kind == "gsm7" else 16) - udh_len * 8) \
            // (7 if kind == "gsm7" else 16)
        chunks = _split(text, kind, per_part)
    total = len(chunks)
    out = []
    for seq, chunk in enumerate(chunks, start=1):
        udh = b""
        if total > 1:
            assert ref is not None
            if ref_bits == 8:
                udh = bytes([5, 0x00, 3, ref & 0xFF, total, seq])
            else:
                udh = bytes([6, 0x08, 4, (ref >> 8) & 0xFF, ref & 0xFF, total, seq])
        udl, body = _encode_text(chunk, kind, udh)
        first = 0x01 | (0x10 if validity is not None else 0) | \
            (0x20 if status_report else 0) | (0x40 if udh else 0)
        vp = bytes([validity]) if validity is not None else b""
        tpdu = bytes([first, 0x00]) + encode_address(number) + \
            bytes([0x00, 0x08 if kind == "ucs2" else 0x00]) + vp + bytes([udl]) + body
        out.append(Submit(hex="00" + tpdu.hex().upper(), length=len(tpdu), seq=seq,
                          total=total, ref=ref if total > 1 else None))
    return out


def encode_deliver(sender: str, text: str, when: datetime, ref: int | None = None,
                   ref_bits: int = 8, smsc: str = "+79168999100") -> list[str]:
    """SMS-DELIVER PDUs as a modem would show them (the simulator's side)."""
    pdus = []
    for part in encode_submit(sender, text, ref, ref_bits, status_report=False, validity=None):
        tpdu = bytes.fromhex(part.hex[2:])
        first = 0x04 | (tpdu[0] & 0x40)  # MTI=deliver, more-messages-to-send=0
        addr_len = 2 + (tpdu[2] + 1) // 2
        address = tpdu[2:2 + addr_len]
        pid_dcs = tpdu[2 + addr_len:4 + addr_len]
        ud = tpdu[4 + addr_len:]
        body = bytes([first]) + address + pid_dcs + _encode_timestamp(when) + ud
        pdus.append(_encode_smsc(smsc).hex().upper() + body.hex().upper())
    return pdus


def encode_status_report(mr: int, recipient: str, status: int, when: datetime) -> str:
    body = bytes([0x06, mr & 0xFF]) + encode_address(recipient) + \
        _encode_timestamp(when) + _encode_timestamp(when) + bytes([status])
    return "00" + body.hex().upper()


def _encode_smsc(smsc: str) -> bytes:
    addr = encode_address(smsc)
    return bytes([len(addr) - 1]) + addr[1:]


def _encode_timestamp(when: datetime) -> bytes:
    utc = when.astimezone(timezone.utc)

    def bcd(n: int) -> int:
        return ((n % 10) << 4) | (n // 10)

    return bytes([bcd(utc.year % 100), bcd(utc.month), bcd(utc.day), bcd(utc.hour),
                  bcd(utc.minute), bcd(utc.second), 0x00])
