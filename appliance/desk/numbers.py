"""One identity per phone number, however it was typed or presented.

Local and international forms, ``+``, ``00`` or the bare country code, spaces,
dashes, brackets, dots, Persian and Arabic-Indic digits: all become E.164 for the
office's country (``phonenumbers``). The raw form is kept by the callers.
"""

from __future__ import annotations

import re

import phonenumbers

from appliance.desk.text import fold

_SEPARATORS = re.compile(r"[\s\-().\u200c\u200e\u200f\u2066-\u2069/]")
_DIALLED = re.compile(r"^\+?\d{3,20}$")


class BadNumber(ValueError):
    """Not a phone number (the message says why)."""


def normalise(raw: str, country: str) -> str:
    """E.164 for ``raw`` (a possible number), else its plain digits; raises BadNumber."""
    text = fold(raw).replace(" ", "") if raw else ""
    text = _SEPARATORS.sub("", text)
    if not _DIALLED.match(text):
        raise BadNumber(f"{raw!r} is not a phone number")
    if text.startswith("00"):  # the international prefix; a national number if not valid
        international = _parse(text[2:], "+")
        if international:
            return international
        text = text[1:] if len(text) > 2 else text
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else country)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text  # a short code or an extension stays as typed
    if not phonenumbers.is_valid_number(parsed) and not text.startswith("+"):
        # "98912…" without a plus: the bare country code in front of a national number
        bare = phonenumbers.parse("+" + text, None) if _has_country(text) else None
        if bare is not None and phonenumbers.is_valid_number(bare):
            parsed = bare
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _parse(digits: str, prefix: str) -> str | None:
    try:
        parsed = phonenumbers.parse(prefix + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _has_country(digits: str) -> bool:
    try:
        phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    return True


def try_normalise(raw: str, country: str) -> str | None:
    try:
        return normalise(raw, country)
    except BadNumber:
        return None


def national(e164: str, country: str) -> str:
    """How the office writes a local number (national format); others stay international."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == country.upper():
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
