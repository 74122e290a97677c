"""Jalali dates, Persian digits and the office's time zone, as the pages show them."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from appliance.i18n import Catalogues
from web.jalali import gregorian_to_jalali, is_leap, jalali_to_gregorian
from web.timefmt import format_datetime, format_duration, parse_bound, parse_day

TEHRAN = ZoneInfo("Asia/Tehran")


@pytest.mark.parametrize("gregorian, jalali", [
    (date(2024, 3, 20), (1403, 1, 1)),     # Nowruz 1403
    (date(2024, 3, 19), (1402, 12, 29)),
    (date(2025, 3, 20), (1403, 12, 30)),   # 1403 is a leap year
    (date(2025, 3, 21), (1404, 1, 1)),
    (date(2026, 3, 21), (1405, 1, 1)),
    (date(1979, 2, 11), (1357, 11, 22)),   # 22 Bahman
    (date(2000, 1, 1), (1378, 10, 11)),
    (date(2024, 9, 22), (1403, 7, 1)),     # first 30-day month
    (date(2024, 9, 21), (1403, 6, 31)),
])
def test_known_jalali_dates(gregorian, jalali):
    assert gregorian_to_jalali(gregorian) == jalali
    assert jalali_to_gregorian(*jalali) == gregorian


def test_jalali_round_trips_for_a_century_and_knows_its_leap_years():
    day, end = date(1980, 1, 1), date(2080, 1, 1)
    previous = gregorian_to_jalali(day - timedelta(days=1))
    while day < end:
        jalali = gregorian_to_jalali(day)
        assert jalali_to_gregorian(*jalali) == day
        assert jalali > previous  # one step at a time, never a gap or repeat
        previous, day = jalali, day + timedelta(days=1)
    assert [y for y in range(1395, 1412) if is_leap(y)] == [1395, 1399, 1403, 1408]
    with pytest.raises(ValueError):
        jalali_to_gregorian(1404, 12, 30)  # 1404 is not leap


def test_times_in_office_zone_calendar_and_digits():
    stored = "2026-11-26T21:05:09.123456Z"
    assert format_datetime(stored, TEHRAN, "en") == "2026-11-27 00:35:09"
    assert format_datetime(stored, TEHRAN, "ru") == "27.11.2026 00:35:09"
    assert format_datetime(stored, TEHRAN, "fa") == "۱۴۰۵/۰۹/۰۶ ۰۰:۳۵:۰۹"
    assert format_datetime("2026-11-26T21:05:09Z", ZoneInfo("UTC"), "en") == "2026-11-26 21:05:09"
    assert format_datetime(None, TEHRAN, "fa") == ""
    assert format_duration(75, "en") == "1:15"
    assert format_duration(3725, "fa") == "۱:۰۲:۰۵"


def test_dates_typed_in_either_calendar_and_any_digits():
    assert parse_day("2026-11-26") == date(2026, 11, 26)
    assert parse_day("1405/09/05") == date(2026, 11, 26)
    assert parse_day("۱۴۰۵/۰۹/۰۵") == date(2026, 11, 26)
    with pytest.raises(ValueError):
        parse_day("26/11/2026")
    start = parse_bound("2026-11-27", TEHRAN, end=False)
    end = parse_bound("2026-11-27", TEHRAN, end=True)
    assert start.isoformat() == "2026-11-26T20:30:00+00:00"
    assert end.isoformat() == "2026-11-27T20:29:59+00:00"
    assert parse_bound("2026-11-27T10:00:00Z", TEHRAN, end=False).hour == 10
    assert parse_bound("2026-11-27T10:00:00", TEHRAN, end=False).isoformat() \
        == "2026-11-27T06:30:00+00:00"  # a time without zone is office time


def test_the_catalogues_translate_states_and_fall_back_to_english():
    cats = Catalogues()
    fa = cats.translator("fa")
    assert fa.rtl and fa.direction == "rtl" and fa.digits("12:05") == "۱۲:۰۵"
    assert cats.translator("ru").gettext("Ringing") == "Звонит"
    assert cats.translator("xx").lang == "en"
    assert cats.translator("en").gettext("No signal") == "No signal"
