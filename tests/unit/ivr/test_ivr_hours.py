"""Business hours in the office's week and time zone; holidays; night mode."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from appliance.config.model import IvrConfig, IvrHours, IvrWeekly
from appliance.ivr.menu import MenuTree

TEHRAN = ZoneInfo("Asia/Tehran")  # UTC+3:30, no DST since 2022


def at(text: str) -> datetime:
    """Tehran wall-clock time -> aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=TEHRAN).astimezone(timezone.utc)


def tree(weekly=(), holidays=(), night=False) -> MenuTree:
    cfg = IvrConfig(hours=IvrHours(weekly=list(weekly), holidays=list(holidays)),
                    night_mode=night)
    return MenuTree(cfg, TEHRAN)


SAT_THU_8_20 = IvrWeekly(days=["sat", "sun", "mon", "tue", "wed", "thu"], from_="08:00", to="20:00")


def test_no_schedule_means_open_around_the_clock():
    assert tree().is_open(at("2026-12-04T03:00"))  # a Friday night


def test_friday_is_the_weekend_in_the_office_week():
    t = tree([SAT_THU_8_20])
    assert t.is_open(at("2026-12-05T09:00"))  # Saturday
    assert not t.is_open(at("2026-12-04T09:00"))  # Friday


def test_hours_are_the_office_time_zone_not_utc():
    t = tree([SAT_THU_8_20])
    # 07:59 Tehran is 04:29 UTC: closed, though UTC would say nothing about it
    assert not t.is_open(at("2026-12-05T07:59"))
    assert t.is_open(at("2026-12-05T08:00"))
    assert not t.is_open(at("2026-12-05T20:00"))


def test_a_slot_past_midnight_runs_into_the_next_day():
    t = tree([IvrWeekly(days=["thu"], from_="18:00", to="02:00")])
    assert t.is_open(at("2026-12-03T23:00"))  # Thursday night
    assert t.is_open(at("2026-12-04T01:30"))  # early Friday
    assert not t.is_open(at("2026-12-04T02:00"))


def test_a_holiday_closes_the_whole_day():
    t = tree([SAT_THU_8_20], holidays=["2026-12-05"])
    assert not t.is_open(at("2026-12-05T10:00"))
    assert t.is_open(at("2026-12-06T10:00"))


def test_night_mode_from_the_page_or_the_switch_closes():
    assert not tree(night=True).is_open(at("2026-12-05T10:00"))
    assert not tree().is_open(at("2026-12-05T10:00"), night=True)
