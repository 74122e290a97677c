"""The health report in words a technician reads at a glance: sizes, durations, levels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appliance.system.health import ALARM_TEXT, DISK_FULL_RATIO, HOT_C
from web.i18n import Translator

WARM_C = 70.0  # amber before the firmware starts throttling at HOT_C
# dBm -> bars (0-4); below the last threshold a call will likely drop
SIGNAL_BARS = ((-75, 4), (-85, 3), (-95, 2), (-105, 1))


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    level: str = "ok"  # ok | warn | bad | unknown
    ltr: bool = False  # a number with a Latin unit or a version: keep it left to right


def size(n: int | None, t: Translator) -> str:
    if n is None:
        return t("unknown")
    for unit, scale in (("unit_gb", 1 << 30), ("unit_mb", 1 << 20)):
        if n >= scale:
            return t.digits(f"{n / scale:.1f}") + " " + t(unit)
    return t.digits(f"{n / 1024:.0f}") + " " + t("unit_kb")


def uptime(seconds: float | None, t: Translator) -> str:
    if seconds is None:
        return t("unknown")
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, "unit_day"), (hours, "unit_hour"), (mins, "unit_min")]
    shown = [f"{t.digits(v)} {t(u)}" for v, u in parts if v] or [f"{t.digits(0)} {t('unit_min')}"]
    return " ".join(shown[:2])  # "3 d 4 h" is enough; minutes matter only in the first day


def signal_bars(dbm: int | None) -> int:
    if dbm is None:
        return 0
    return next((bars for limit, bars in SIGNAL_BARS if dbm >= limit), 0)


def signal_level(dbm: int | None) -> str:
    bars = signal_bars(dbm)
    return "unknown" if dbm is None else ("ok" if bars >= 2 else "warn" if bars == 1 else "bad")


def _temperature(temp: float | None, t: Translator) -> Row:
    if temp is None:
        return Row(t("cpu_temp"), t("unknown"), "unknown")
    level = "bad" if temp >= HOT_C else "warn" if temp >= WARM_C else "ok"
    return Row(t("cpu_temp"), t.digits(f"{temp:.1f}") + " °C", level, ltr=True)


def _power(throttled: dict[str, Any] | None, t: Translator) -> Row:
    if not throttled:
        return Row(t("power"), t("unknown"), "unknown")
    for code, level in (("undervoltage_now", "bad"), ("throttled_now", "bad"),
                        ("undervoltage_seen", "warn")):
        if throttled.get(code):
            return Row(t("power"), alarm_text(code, t), level)
    return Row(t("power"), t("power_ok"))


def _disk(disk: dict[str, int] | None, t: Translator) -> Row:
    if disk is None:
        return Row(t("data_disk"), alarm_text("data_disk_missing", t), "bad")
    ratio = disk["used"] / disk["total"] if disk["total"] else 0.0
    text = t.format("used_of", used=size(disk["used"], t), total=size(disk["total"], t))
    text += f" ({t.digits(round(ratio * 100))}{'٪' if t.lang == 'fa' else '%'})"
    return Row(t("data_disk"), text, "bad" if ratio > DISK_FULL_RATIO else "ok")


def system_rows(system: dict[str, Any], core_version: str | None, t: Translator) -> list[Row]:
    return [
        _temperature(system.get("cpu_temp_c"), t),
        _power(system.get("throttled"), t),
        _disk(system.get("data_disk"), t),
        Row(t("written_since_boot"), size(system.get("bytes_written_since_boot"), t)),
        Row(t("uptime"), uptime(system.get("uptime_s"), t)),
        Row(t("web_version"), str(system.get("version") or t("unknown")), ltr=True),
        Row(t("core_version"), str(core_version or t("unknown")),
            "ok" if core_version in (None, system.get("version")) else "warn", ltr=True),
    ]


def alarm_text(code: str, t: Translator) -> str:
    """A system alarm code in the reader's language (English wording if unknown)."""
    key = f"alarm_{code}"
    text = t(key)
    return ALARM_TEXT.get(code, code) if text == key else text
