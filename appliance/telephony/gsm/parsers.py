"""Pure parsers for AT responses and URCs (3GPP TS 27.007 / 27.005 and vendor forms).

Each takes the text of a line (or a response's lines) and returns plain values;
none touches a port. Tested with tables of real transcripts (tests/fixtures/modems).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

# --- final result codes --------------------------------------------------------

OK_CODES = frozenset({"OK", "CONNECT"})
ERROR_CODES = frozenset({"ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE",
                         "COMMAND NOT SUPPORT"})
_EXT_ERROR = re.compile(r"^\+(CME|CMS) ERROR:\s*(.*)$")

# Verbose +CME ERROR texts (27.007 9.2.1) and the numbers the box acts on.
CME_TEXT = {
    "phone failure": 0, "operation not allowed": 3, "operation not supported": 4,
    "sim not inserted": 10, "sim pin required": 11, "sim puk required": 12,
    "sim failure": 13, "sim busy": 14, "sim wrong": 15, "incorrect password": 16,
    "sim pin2 required": 17, "sim puk2 required": 18, "memory full": 20,
    "invalid index": 21, "not found": 22, "no network service": 30,
    "network timeout": 31, "network not allowed - emergency calls only": 32,
    "unknown": 100,
}
CME_SIM_MISSING = 10
CME_PIN_REQUIRED = 11
CME_PUK_REQUIRED = 12
CME_SIM_BUSY = 14
CME_WRONG_PASSWORD = 16


@dataclass(frozen=True)
class AtError:
    """A final error: ``ERROR``, ``NO CARRIER``, ``+CME ERROR: 16`` or its verbose form."""
    kind: str  # "ERROR" | "CME" | "CMS" | "NO CARRIER" | ...
    number: int | None
    text: str

    @property
    def code(self) -> str:
        if self.kind in ("CME", "CMS"):
            label = str(self.number) if self.number is not None else "?"
            return f"{self.kind} {label}" + (f" {self.text}" if self.text else "")
        return self.kind


def parse_final(line: str) -> tuple[bool, AtError | None] | None:
    """``(True, None)`` for success, ``(False, error)`` for a failure, None otherwise."""
    if line in OK_CODES or line.startswith("CONNECT "):
        return True, None
    if line in ERROR_CODES:
        return False, AtError(line, None, "")
    m = _EXT_ERROR.match(line)
    if not m:
        return None
    kind, detail = m.group(1), m.group(2).strip()
    if detail.isdigit():
        return False, AtError(kind, int(detail), "")
    return False, AtError(kind, CME_TEXT.get(detail.lower()) if kind == "CME" else None, detail)


# --- field helpers -------------------------------------------------------------

def split_fields(payload: str) -> list[str]:
    """Comma-separated fields; quoted fields keep their quotes (shape matters: CREG)."""
    fields, current, quoted = [], [], False
    for ch in payload:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    fields.append("".join(current).strip())
    return fields


def unquote(field: str) -> str:
    field = field.strip()
    if len(field) >= 2 and field[0] == field[-1] == '"':
        return field[1:-1]
    return field


def after_prefix(line: str, prefix: str) -> str:
    """``"+CSQ: 17,99"`` → ``"17,99"`` (tolerates a missing space after the colon)."""
    if not line.startswith(prefix):
        raise ValueError(f"expected {prefix!r}: {line!r}")
    return line[len(prefix):].lstrip(": ").strip()


def _int(field: str, default: int | None = None) -> int | None:
    try:
        return int(unquote(field))
    except ValueError:
        return default


def lines_with(lines: list[str], prefix: str) -> list[str]:
    return [line for line in lines if line.startswith(prefix)]


def find_line(lines: list[str], prefix: str) -> str | None:
    for line in lines:
        if line.startswith(prefix):
            return line
    return None


# --- registration, signal, operator, SIM -----------------------------------------

REG_NAMES = {0: "unregistered", 1: "home", 2: "searching", 3: "denied",
             4: "unknown", 5: "roaming", 6: "home", 7: "roaming",
             8: "emergency", 9: "home", 10: "roaming"}


@dataclass(frozen=True)
class Registration:
    stat: int
    lac: str = ""
    ci: str = ""
    act: int | None = None
    from_urc: bool = False

    @property
    def name(self) -> str:
        return REG_NAMES.get(self.stat, "unknown")

    @property
    def registered(self) -> bool:
        return self.name in ("home", "roaming")


def parse_creg(line: str, query: bool | None = None) -> Registration:
    """``+CREG/+CGREG/+CEREG`` in both shapes.

    Query reply: ``<n>,<stat>[,<lac>,<ci>[,<AcT>...]]``; URC: ``<stat>[,<lac>,<ci>[,<AcT>]]``.
    ``query`` says which it is (the channel knows whether the line answered
    ``AT+CREG?``); None guesses from the shape (one field or a quoted second field
    is a URC). LAC/CI may be quoted or not; empty fields are "not known"
    (``+CREG: 2,,`` is a URC: searching).
    """
    prefix = line.split(":", 1)[0]
    fields = split_fields(after_prefix(line, prefix))
    if query is None:
        query = not (len(fields) == 1 or fields[1].startswith('"') or fields[1] == "")
    rest = fields[1:] if query and len(fields) > 1 else fields
    stat = _int(rest[0], 4)
    lac = unquote(rest[1]) if len(rest) > 1 else ""
    ci = unquote(rest[2]) if len(rest) > 2 else ""
    act = _int(rest[3]) if len(rest) > 3 else None
    return Registration(stat=stat if stat is not None else 4, lac=lac, ci=ci, act=act,
                        from_urc=not query)


def answers_reg_query(line: str, prefix: str, n: int) -> bool:
    """Whether a ``+CREG:``-family line is the reply to ``AT+CREG?`` (set to ``n``)
    rather than a URC that came while the query ran: a reply starts with ``<n>``
    and then a bare ``<stat>``; a URC starts with ``<stat>`` and has no second field,
    an empty one (``+CREG: 2,,``) or the LAC there (quoted or not)."""
    if not line.startswith(prefix):
        return False
    fields = split_fields(after_prefix(line, prefix[:-1]))
    if len(fields) < 2 or fields[0] != str(n):
        return False
    stat = fields[1]
    return stat.isdigit() and int(stat) <= 10


def parse_csq(line: str) -> int | None:
    """Signal in dBm from ``+CSQ: <rssi>,<ber>`` (99 = not known → None)."""
    rssi = _int(split_fields(after_prefix(line, "+CSQ"))[0], 99)
    if rssi is None or rssi == 99 or rssi > 31:
        return None
    return -113 + 2 * rssi


def parse_cops(line: str) -> str:
    fields = split_fields(after_prefix(line, "+COPS"))
    return unquote(fields[2]) if len(fields) > 2 else ""


def parse_cpin(line: str) -> str:
    """``READY``, ``SIM PIN``, ``SIM PUK``, ... (upper case)."""
    return unquote(after_prefix(line, "+CPIN")).upper()


# --- calls -------------------------------------------------------------------------

@dataclass(frozen=True)
class CallStatus:
    """One +CLCC line (or a vendor form with the same fields, e.g. Quectel ^DSCI)."""
    idx: int
    incoming: bool
    stat: int  # 0 active, 1 held, 2 dialing, 3 alerting, 4 incoming, 5 waiting, 6 ended
    number: str
    ntype: int | None


def parse_clcc(line: str) -> CallStatus:
    """``+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>[,<number>,<type>[,<alpha>]]``."""
    f = split_fields(after_prefix(line, "+CLCC"))
    return CallStatus(idx=_int(f[0], 1) or 1, incoming=f[1].strip() == "1",
                      stat=_int(f[2], 0) or 0,
                      number=unquote(f[5]) if len(f) > 5 else "",
                      ntype=_int(f[6]) if len(f) > 6 else None)


@dataclass(frozen=True)
class CallerId:
    number: str
    ntype: int | None
    validity: int | None  # 0 valid, 1 withheld by the caller, 2 not available


def parse_clip(line: str) -> CallerId:
    """``+CLIP: <number>,<type>[,<subaddr>,<satype>[,<alpha>[,<CLI validity>]]]``."""
    f = split_fields(after_prefix(line, "+CLIP"))
    validity = _int(f[5]) if len(f) > 5 else None
    return CallerId(number=unquote(f[0]), ntype=_int(f[1]) if len(f) > 1 else None,
                    validity=validity)


WITHHELD = "withheld"


def normalize_caller(number: str, ntype: int | None, region: str,
                     validity: int | None = None) -> tuple[str, str]:
    """``(caller, caller_raw)``: E.164 where possible, ``withheld`` when hidden.

    Type 145 (0x91) means international: the modem drops the ``+`` on some models.
    A national number is read in the office's region.
    """
    raw = number.strip()
    if validity in (1, 2) or not raw or raw.lower() in ("unknown", "restricted", "private"):
        return WITHHELD, raw
    digits = raw.lstrip("+")
    if ntype == 145 or raw.startswith("+"):
        candidate = "+" + digits
    elif raw.startswith("00"):
        candidate = "+" + digits[2:]
    else:
        candidate = raw
    try:
        parsed = phonenumbers.parse(candidate, None if candidate.startswith("+") else region)
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), raw
    except phonenumbers.NumberParseException:
        pass
    return candidate, raw


def dtmf_from_ascii(code: str) -> str | None:
    """Quectel's +QTONEDET reports the ASCII code of the key (49 → '1')."""
    try:
        ch = chr(int(code))
    except ValueError:
        return None
    return ch if ch in "0123456789*#ABCD" else None


# --- SMS and USSD ------------------------------------------------------------------

def parse_cmti(line: str) -> tuple[str, int]:
    """``+CMTI: "SM",3`` → ``("SM", 3)`` (also ``+CDSI:``, a stored status report)."""
    f = split_fields(after_prefix(line, line.split(":", 1)[0]))
    return unquote(f[0]), _int(f[1], 0) or 0


def parse_cmgl(line: str) -> int:
    """``+CMGL: <index>,<stat>,[<alpha>],<length>`` → index."""
    return _int(split_fields(after_prefix(line, "+CMGL"))[0], -1) or 0


def parse_cmgs(line: str) -> int:
    return _int(split_fields(after_prefix(line, "+CMGS"))[0], 0) or 0


@dataclass(frozen=True)
class UssdReply:
    status: int  # 0 done, 1 more input wanted, 2 released by network, 4 unsupported, ...
    text: str | None
    dcs: int | None


_CUSD = re.compile(r'^\+CUSD:\s*(\d+)\s*(?:,\s*"((?s:.*))"\s*(?:,\s*(\d+))?)?\s*$')


def parse_cusd(lines: list[str]) -> UssdReply:
    """A (possibly multi-line) ``+CUSD:`` URC; the lines are joined with newlines."""
    m = _CUSD.match("\n".join(lines))
    if not m:
        raise ValueError(f"not a +CUSD reply: {lines!r}")
    dcs = int(m.group(3)) if m.group(3) else None
    return UssdReply(status=int(m.group(1)), text=m.group(2), dcs=dcs)


def identity(lines: list[str]) -> str:
    """The text of an ATI / AT+CGMM response, one line, for profile matching."""
    return " ".join(line for line in lines if line not in OK_CODES)
