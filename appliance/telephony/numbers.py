"""Caller numbers: E.164 where the country allows it, the raw form kept beside."""

from __future__ import annotations

import re

import phonenumbers

WITHHELD = "withheld"
_SIP_USER = re.compile(r"^(?:\"?[^\"<]*\"?\s*)?<?sips?:([^@;>]+)")


def user_of_uri(uri: str) -> str:
    """``"Bob" <sip:+98912...@host;tag=x>`` → ``+98912...`` (or the URI if unparsable)."""
    match = _SIP_USER.match(uri.strip())
    return match.group(1) if match else uri.strip()


def to_e164(raw: str, country: str) -> str:
    """Normalise a dialled or presented number; non-numbers (``anonymous``) become withheld."""
    text = raw.strip()
    if not text or text.lower() in {"anonymous", "unknown", "restricted", "private", WITHHELD}:
        return WITHHELD
    digits = re.sub(r"[\s\-().]", "", text)
    if not re.fullmatch(r"\+?\d{2,20}", digits):
        return text  # an extension name or SIP user: keep as it is
    try:
        parsed = phonenumbers.parse(digits, None if digits.startswith("+") else country)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(parsed):
        return digits  # short codes and extensions stay as dialled
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
