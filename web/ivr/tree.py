"""The web's side of the IVR tree: what it may refer to here, and Jalali holidays."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from appliance.config.model import Config
from appliance.i18n import N_
from appliance.ivr.document import TreeError, problem
from appliance.ivr.service import known_for
from appliance.ivr.validate import Known
from appliance.prompts.catalog import prompt_keys
from web.jalali import gregorian_to_jalali, jalali_to_gregorian

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_JALALI = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")


def known(config: Config, data_dir: Path, self_service: bool) -> Known:
    return known_for(config, lambda key, lang: key in prompt_keys(config, data_dir, lang),
                     self_service)


def jalali_of(day: str) -> str:
    jy, jm, jd = gregorian_to_jalali(date.fromisoformat(day))
    return f"{jy:04d}/{jm:02d}/{jd:02d}"


def from_jalali(text: str) -> str:
    """"1405/01/12" (Latin or Persian digits) -> "2026-04-01"; TreeError if it is no date."""
    match = _JALALI.match(str(text).strip().translate(_DIGITS))
    try:
        if not match:
            raise ValueError(text)
        return jalali_to_gregorian(*(int(x) for x in match.groups())).isoformat()
    except ValueError:
        raise TreeError([problem("bad_value", "hours", N_("%(date)s is not a date"),
                                 date=str(text))]) from None


def with_jalali(doc: dict) -> dict:
    """GET shape: the contract plus ``hours.holidays_jalali`` (for Persian pages)."""
    hours = doc.get("hours") or {}
    shown = []
    for day in hours.get("holidays", []):
        try:
            shown.append(jalali_of(day))
        except ValueError:
            shown.append(day)
    return {**doc, "hours": {**hours, "holidays_jalali": shown}}


def merge_jalali(doc: dict) -> dict:
    """PUT: ``hours.holidays_jalali`` (if sent) joins ``hours.holidays`` as Gregorian dates."""
    hours = doc.get("hours")
    if not isinstance(hours, dict) or "holidays_jalali" not in hours:
        return doc
    extra = hours.get("holidays_jalali") or []
    if not isinstance(extra, list):
        extra = [extra]
    holidays = list(hours.get("holidays") or []) + [from_jalali(d) for d in extra]
    rest = {k: v for k, v in hours.items() if k != "holidays_jalali"}
    return {**doc, "hours": {**rest, "holidays": holidays}}
