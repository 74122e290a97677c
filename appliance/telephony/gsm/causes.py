"""What the numbers a modem reports mean, as msgids (English; the web translates them):
call-end causes (3GPP TS 24.008 10.5.4.11, table 10.5.123 — ``^CEND``, ``+CEER``,
our own 16/17/19/21/41) and SMS errors (``+CMS ERROR``: 3GPP TS 27.005 3.2.5 for
300-500, and the RP/TP causes of TS 24.011 8.2.5.4 / TS 23.040 9.2.3.22 below 300).

A cause the tables do not know keeps its number: ``cause 99`` / ``+CMS ERROR 599``.
"""

from __future__ import annotations

from appliance.i18n import N_

CALL_CAUSES: dict[int, str] = {
    1: N_("unassigned number"),
    3: N_("no route to destination"),
    6: N_("channel unacceptable"),
    8: N_("operator determined barring"),
    16: N_("normal call clearing"),
    17: N_("user busy"),
    18: N_("no user responding"),
    19: N_("no answer"),
    21: N_("call rejected"),
    22: N_("number changed"),
    26: N_("non-selected user clearing"),
    27: N_("destination out of order"),
    28: N_("invalid number format"),
    29: N_("facility rejected"),
    31: N_("normal, unspecified"),
    34: N_("no circuit available"),
    38: N_("network out of order"),
    41: N_("temporary failure"),
    42: N_("switching equipment congestion"),
    44: N_("requested channel not available"),
    47: N_("resources unavailable"),
    50: N_("requested facility not subscribed"),
    55: N_("incoming calls barred"),
    57: N_("bearer capability not authorized"),
    63: N_("service or option not available"),
    68: N_("call credit exhausted"),
    69: N_("requested facility not implemented"),
    79: N_("service or option not implemented"),
    88: N_("incompatible destination"),
    102: N_("recovery on timer expiry"),
    111: N_("protocol error"),
    127: N_("interworking, unspecified"),
}

CMS_ERRORS: dict[int, str] = {
    1: N_("unassigned number"),
    8: N_("operator determined barring"),
    10: N_("call barred"),
    21: N_("message transfer rejected"),
    27: N_("destination out of service"),
    28: N_("unidentified subscriber"),
    29: N_("facility rejected"),
    30: N_("unknown subscriber"),
    38: N_("network out of order"),
    41: N_("temporary failure"),
    42: N_("congestion"),
    47: N_("resources unavailable"),
    50: N_("requested facility not subscribed"),
    69: N_("requested facility not implemented"),
    81: N_("invalid message reference"),
    95: N_("invalid message"),
    96: N_("invalid mandatory information"),
    97: N_("message type not implemented"),
    98: N_("message not compatible with the protocol state"),
    111: N_("protocol error"),
    127: N_("interworking, unspecified"),
    300: N_("modem failure"),
    301: N_("SMS service of the modem reserved"),
    302: N_("operation not allowed"),
    303: N_("operation not supported"),
    304: N_("invalid PDU mode parameter"),
    305: N_("invalid text mode parameter"),
    310: N_("SIM not inserted"),
    311: N_("SIM PIN required"),
    313: N_("SIM failure"),
    314: N_("SIM busy"),
    315: N_("SIM wrong"),
    316: N_("SIM PUK required"),
    320: N_("memory failure"),
    321: N_("invalid memory index"),
    322: N_("memory full"),
    330: N_("SMS centre address unknown"),
    331: N_("no network service"),
    332: N_("network timeout"),
    340: N_("no acknowledgement expected"),
    500: N_("unknown error"),
}

# How a cause reads where its number is unknown, and the SMS error as stored.
UNKNOWN_CAUSE = N_("cause %(n)d")
SMS_NOT_SENT = N_("not sent: %(meaning)s (+CMS ERROR %(code)s)")
CALLER_GAVE_UP_RINGING = N_("caller hung up while ringing")
BOX_HUNG_UP = N_("box hung up")
ANSWER_FAILED = N_("the modem could not answer")
LINE_BUSY = N_("line busy")
LINE_DOWN = N_("line down")
KEPT_UNREAD = N_("could not be read: kept on the modem (%(storage)s, slot %(index)s)")

_CMS_BY_TEXT = {text.lower(): code for code, text in CMS_ERRORS.items()}


def call_cause(code: int) -> str:
    """The meaning of a call-end cause (English msgid; params filled in)."""
    text = CALL_CAUSES.get(code)
    return text if text is not None else UNKNOWN_CAUSE % {"n": code}


def cms_error(number: int | None, text: str = "") -> tuple[str, str]:
    """``(code, meaning)`` of a ``+CMS ERROR``: numeric (``+CMS ERROR: 30``) or
    verbose (``+CMS ERROR: Unknown subscriber``, AT+CMEE=2) — the verbose text is
    matched to its number where the table knows it, else kept as the modem wrote it."""
    if number is None and text:
        number = _CMS_BY_TEXT.get(text.strip().lower())
        if number is None:
            return "?", text.strip()
    if number is None:
        return "?", CMS_ERRORS[500]
    return str(number), CMS_ERRORS.get(number) or text or UNKNOWN_CAUSE % {"n": number}


def sms_error_text(number: int | None, text: str = "") -> str:
    """The error stored with a failed SMS (and logged): meaning and code."""
    code, meaning = cms_error(number, text)
    return SMS_NOT_SENT % {"meaning": meaning, "code": code}
