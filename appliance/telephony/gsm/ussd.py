"""USSD requests and replies (3GPP TS 27.007 +CUSD, TS 23.038 CBS data coding).

Replies come in several dresses: plain text (the modem converted GSM-7 to the TE
character set), packed GSM-7 septets in hex (Huawei), UCS2 hex (dcs 72) and UCS2
hex preceded by a two-character language code (dcs 17).
"""

from __future__ import annotations

import re

from appliance.telephony.gsm import gsm7

_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")


def encode_request(code: str, mode: str) -> str:
    """The ``AT+CUSD=1,...`` command for ``code`` (``*100#``)."""
    if mode == "packed-hex":
        text = gsm7.encode_packed(code).hex().upper()
    elif mode == "ucs2":  # AT+CSCS="UCS2" (text-mode SMS): strings are UCS2 hex
        text = code.encode("utf-16-be").hex().upper()
    else:
        text = code
    return f'AT+CUSD=1,"{text}",15'


def alphabet(dcs: int) -> tuple[str, bool]:
    """``(alphabet, language_prefix)`` for a CBS data coding scheme."""
    group = dcs >> 4
    if group in (0x00, 0x02, 0x03):
        return "gsm7", False
    if group == 0x01:
        # 0x10: GSM-7 preceded by language; 0x11: UCS2 preceded by language.
        return ("ucs2" if dcs & 0x0F == 0x01 else "gsm7"), True
    if 0x04 <= group <= 0x07:
        return ("gsm7", "8bit", "ucs2", "gsm7")[(dcs >> 2) & 0x03], False
    if group == 0x09:
        return ("gsm7", "8bit", "ucs2", "gsm7")[(dcs >> 2) & 0x03], False
    if group == 0x0F:
        return ("8bit" if dcs & 0x04 else "gsm7"), False
    return "gsm7", False


def decode_reply(text: str, dcs: int | None, mode: str) -> str:
    """The reply as a person reads it."""
    kind, lang = alphabet(dcs if dcs is not None else 15)
    compact = text.replace("\n", "")
    if mode == "ucs2" and kind != "8bit" and _HEX.match(compact) and len(compact) % 4 == 0:
        kind = "ucs2"  # the modem converted the answer to the UCS2 character set
    if kind == "ucs2" and _HEX.match(compact):
        raw = bytes.fromhex(compact)
        if lang:
            raw = raw[2:]  # two GSM-7 characters of ISO 639 language, packed in 2 octets
        return raw[: len(raw) // 2 * 2].decode("utf-16-be", errors="replace")
    if kind == "8bit" and _HEX.match(compact):
        return bytes.fromhex(compact).decode("latin-1")
    if kind == "gsm7" and mode == "packed-hex" and _HEX.match(compact):
        decoded = gsm7.decode_packed(bytes.fromhex(compact))
        return decoded[3:] if lang and len(decoded) > 3 else decoded
    if lang and kind == "gsm7" and len(text) > 3 and text[2] == "\r":
        return text[3:]
    return text


STATUS_TEXT = {2: "USSD session released by the network", 3: "another client answered",
               4: "USSD request not supported", 5: "network timed out"}
