"""Business hours: a weekly schedule in the office's week and time zone, plus holidays.

Days are named ``sat`` .. ``fri`` (an Iranian office's week starts on Saturday
and Friday is the weekend; the names say which day, whatever the order). A slot
whose ``to`` is earlier than its ``from`` runs past midnight into the next day.
No weekly slots at all means open around the clock (except on holidays).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from appliance.config.model import IvrHours

# Python's weekday(): Monday = 0. The office's week starts on Saturday.
DAYS = ("sat", "sun", "mon", "tue", "wed", "thu", "fri")
_WEEKDAY = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


def minutes(text: str) -> int:
    """"08:30" -> 510; "24:00" -> 1440; ValueError otherwise (English, for logs: the
    editor's refusal is validate.py's msgid)."""
    if not _HHMM.match(text or ""):
        raise ValueError(f"{text!r} is not a time HH:MM (00:00-24:00)")
    hh, mm = text.split(":")
    return int(hh) * 60 + int(mm)


def parse_day(text: str) -> date:
    """A holiday "YYYY-MM-DD" (Gregorian); ValueError otherwise."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD") from None


class OpenHours:
    def __init__(self, hours: IvrHours, tz: ZoneInfo):
        self._tz = tz
        self._holidays = {parse_day(d) for d in hours.holidays}
        # (weekday, start minute, end minute) in office time; overnight slots split in two
        self._slots: list[tuple[int, int, int]] = []
        for slot in hours.weekly:
            start, end = minutes(slot.from_), minutes(slot.to)
            for day in slot.days:
                wd = _WEEKDAY[day]
                if end > start:
                    self._slots.append((wd, start, end))
                elif end < start:  # e.g. 18:00-02:00: the evening, then the night after
                    self._slots.append((wd, start, 1440))
                    self._slots.append(((wd + 1) % 7, 0, end))
        self._always = not hours.weekly

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self._tz)
        if local.date() in self._holidays:
            return False
        if self._always:
            return True
        minute = local.hour * 60 + local.minute
        wd = local.weekday()
        return any(d == wd and start <= minute < end for d, start, end in self._slots)

    def holidays(self) -> list[date]:
        return sorted(self._holidays)

