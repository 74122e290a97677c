"""Times as the office reads them: its time zone, its calendar, its digits."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from web.i18n import persian_digits
from web.jalali import gregorian_to_jalali, jalali_to_gregorian

_DAY = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
JALALI_BEFORE = 1700  # a four-digit year below this is a Jalali year (now ~1405)


def parse_utc(text: str | None) -> datetime | None:
    """A stored ISO 8601 UTC string as an aware datetime (None stays None)."""
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def format_datetime(text: str | None, tz: ZoneInfo, lang: str) -> str:
    """``2026-11-26T23:40:01.12Z`` -> the local date and time in the office's style."""
    moment = parse_utc(text)
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    clock = local.strftime("%H:%M:%S")
    if lang == "fa":
        jy, jm, jd = gregorian_to_jalali(local.date())
        return persian_digits(f"{jy:04d}/{jm:02d}/{jd:02d} {clock}")
    if lang == "ru":
        return local.strftime("%d.%m.%Y ") + clock
    return local.strftime("%Y-%m-%d ") + clock


def format_day(day: date, lang: str) -> str:
    """A day as the date filter shows it (Jalali with Persian digits for Persian)."""
    if lang == "fa":
        jy, jm, jd = gregorian_to_jalali(day)
        return persian_digits(f"{jy:04d}/{jm:02d}/{jd:02d}")
    return day.isoformat()


def format_duration(seconds: float | None, lang: str) -> str:
    """Waiting time as m:ss (h:mm:ss past an hour)."""
    if seconds is None:
        return ""
    total = int(seconds + 0.5)  # half up: 12.5 s reads as 0:13
    hours, rest = divmod(total, 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    return persian_digits(text) if lang == "fa" else text


def parse_day(text: str) -> date:
    """A day typed as ``2026-11-26`` or, Jalali, ``1405/09/05`` (any script's digits)."""
    ascii_text = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text.strip())
    match = _DAY.match(ascii_text)
    if not match:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or Jalali YYYY/MM/DD)")
    y, m, d = (int(g) for g in match.groups())
    return jalali_to_gregorian(y, m, d) if y < JALALI_BEFORE else date(y, m, d)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The first and the last second of a local day, in UTC."""
    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz) - timedelta(seconds=1)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def parse_bound(text: str, tz: ZoneInfo, end: bool) -> datetime:
    """An API ``since``/``until``: a day (local; whole day) or an ISO 8601 time
    (naive = office time)."""
    try:
        start, last = day_bounds(parse_day(text), tz)
        return last if end else start
    except ValueError:
        pass  # not a bare day: a full time
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(timezone.utc)
