"""What the box tells customers, in the office's language (msgids translated in the core)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from appliance.i18n import Catalogues, N_
from appliance.store.db import parse_iso

CAR_SMS = N_("Your car: %(colour)s %(car)s, plate %(plate)s. It arrives in about "
             "%(minutes)s minutes.")
CAR_SPOKEN = N_("Hello. Your car is a %(colour)s %(car)s, plate %(plate)s. It arrives in "
                "about %(minutes)s minutes. Thank you.")
VISIT_SMS = N_("Your visit: %(day)s between %(start)s and %(end)s at %(address)s. "
               "Amount: %(amount)s. %(instructions)s")
VISIT_REMINDER = N_("Reminder: your visit is tomorrow, %(day)s, between %(start)s and "
                    "%(end)s. Amount: %(amount)s.")


class CustomerTexts:
    """Fills the customer texts for one office language and time zone."""

    def __init__(self, language: str, tz: ZoneInfo, catalogues: Catalogues | None = None):
        self._t = (catalogues or Catalogues()).translator(language)
        self._tz = tz

    def car(self, order: dict[str, Any], minutes: int | None, spoken: bool = False) -> str:
        return self._t.gettext(CAR_SPOKEN if spoken else CAR_SMS,
                               car=order.get("car") or "", colour=order.get("colour") or "",
                               plate=order.get("plate") or "", minutes=minutes or 0)

    def visit(self, order: dict[str, Any], reminder: bool = False) -> str:
        start = self._local(order.get("scheduled_for"))
        end = self._local(order.get("window_end")) or start
        params = {"day": start.strftime("%Y-%m-%d") if start else "",
                  "start": start.strftime("%H:%M") if start else "",
                  "end": end.strftime("%H:%M") if end else "",
                  "amount": _amount(order.get("amount")), "address": order.get("pickup", ""),
                  "instructions": order.get("instructions") or ""}
        text = self._t.gettext(VISIT_REMINDER if reminder else VISIT_SMS, **params)
        return text.strip()

    def _local(self, value: str | None) -> datetime | None:
        return parse_iso(value).astimezone(self._tz) if value else None


def _amount(value: Any) -> str:
    if value in (None, ""):
        return "—"
    number = float(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
