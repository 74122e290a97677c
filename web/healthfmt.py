"""The health report in words a technician reads at a glance: sizes, durations, levels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appliance.i18n import N_
from appliance.system.health import ALARM_PARAMS, ALARM_TEXT, DISK_FULL_RATIO, HOT_C
from web.i18n import MessageTranslator as Translator

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
        return t.gettext("unknown")
    if n >= 1 << 30:
        return t.gettext("%(n).1f GB", n=n / (1 << 30))
    if n >= 1 << 20:
        return t.gettext("%(n).1f MB", n=n / (1 << 20))
    return t.gettext("%(n)d KB", n=round(n / 1024))


def uptime(seconds: float | None, t: Translator) -> str:
    if seconds is None:
        return t.gettext("unknown")
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, N_("%(n)d d")), (hours, N_("%(n)d h")), (mins, N_("%(n)d min"))]
    shown = [t.gettext(msgid, n=v) for v, msgid in parts if v] or [t.gettext("%(n)d min", n=0)]
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
        return Row(t.gettext("CPU temperature"), t.gettext("unknown"), "unknown")
    level = "bad" if temp >= HOT_C else "warn" if temp >= WARM_C else "ok"
    return Row(t.gettext("CPU temperature"), t.gettext("%(c).1f °C", c=temp), level, ltr=True)


def _power(throttled: dict[str, Any] | None, t: Translator) -> Row:
    if not throttled:
        return Row(t.gettext("Power"), t.gettext("unknown"), "unknown")
    for code, level in (("undervoltage_now", "bad"), ("throttled_now", "bad"),
                        ("undervoltage_seen", "warn")):
        if throttled.get(code):
            return Row(t.gettext("Power"), alarm_text(code, t), level)
    return Row(t.gettext("Power"), t.gettext("OK"))


def _disk(disk: dict[str, int] | None, t: Translator) -> Row:
    if disk is None:
        return Row(t.gettext("Data partition"), alarm_text("data_disk_missing", t), "bad")
    ratio = disk["used"] / disk["total"] if disk["total"] else 0.0
    text = t.gettext("%(used)s of %(total)s used (%(pct)d%%)", used=size(disk["used"], t),
                     total=size(disk["total"], t), pct=round(ratio * 100))
    return Row(t.gettext("Data partition"), text, "bad" if ratio > DISK_FULL_RATIO else "ok")


def system_rows(system: dict[str, Any], core_version: str | None, t: Translator) -> list[Row]:
    return [
        _temperature(system.get("cpu_temp_c"), t),
        _power(system.get("throttled"), t),
        _disk(system.get("data_disk"), t),
        Row(t.gettext("Written since boot"), size(system.get("bytes_written_since_boot"), t)),
        Row(t.gettext("Running for"), uptime(system.get("uptime_s"), t)),
        Row(t.gettext("Version (web)"), str(system.get("version") or t.gettext("unknown")), ltr=True),
        Row(t.gettext("Version (call system)"), str(core_version or t.gettext("unknown")),
            "ok" if core_version in (None, system.get("version")) else "warn", ltr=True),
    ]


def alarm_text(code: str, t: Translator) -> str:
    """A system alarm code in the reader's language (the code itself if unknown)."""
    if code not in ALARM_TEXT:
        return code
    return t.message(ALARM_TEXT[code], ALARM_PARAMS)
