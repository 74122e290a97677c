"""Phone numbers the way the office writes them: stored E.164, shown in the national
format for numbers of ``office.country`` (``0912 345 6789``), international for the
rest (``+7 912 345-67-89``); anything that is not a phone number (an extension, a SIP
user, "withheld") as it is."""

from __future__ import annotations

import phonenumbers

_FORMATS = {True: phonenumbers.PhoneNumberFormat.NATIONAL,
            False: phonenumbers.PhoneNumberFormat.INTERNATIONAL}


def show_number(number: str | None, country: str) -> str:
    if not number:
        return ""
    if not number.startswith("+"):
        return number  # extensions, SIP users, "withheld": as stored
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(parsed):
        return number
    local = phonenumbers.region_code_for_number(parsed) == (country or "").upper()
    return phonenumbers.format_number(parsed, _FORMATS[local])
