"""Masking customers' data for readers who may not see it (technicians).

Pure functions over JSON-like values: numbers keep their first 3 and last 2 digits
(enough to tell lines and operators apart), texts people wrote and names they gave are
replaced, SIP URIs of callers lose their user part. Keys, not guesses, decide what is
personal, so a dispatcher's configured phone (``phone``) and line names stay visible.
"""

from __future__ import annotations

import re
from typing import Any

NUMBER_KEYS = frozenset({"caller", "callee", "caller_raw", "number", "from_number",
                         "to_number", "customer_number", "msisdn"})
TEXT_KEYS = frozenset({"text", "message", "body", "address", "display_name", "caller_name",
                       "customer", "customer_name", "name_said", "note", "notes",
                       "remote_uri", "pickup", "destination", "comment"})
HIDDEN = "•••"
_DIGITS = re.compile(r"\d")


def mask_number(value: str) -> str:
    digits = _DIGITS.findall(value)
    if len(digits) <= 5:
        return HIDDEN if digits else value  # "withheld", "" stay as they are
    kept_head = "".join(digits[:3])
    return ("+" if value.startswith("+") else "") + kept_head + HIDDEN + "".join(digits[-2:])


def mask(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with every personal field masked."""
    if isinstance(value, dict):
        return {k: mask(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, key) for v in value]
    if isinstance(value, str) and value:
        if key in NUMBER_KEYS:
            return mask_number(value)
        if key in TEXT_KEYS:
            return HIDDEN
    return value
