"""Gregorian <-> Jalali (Solar Hijri) dates, the calendar Persian pages show.

Leap years follow Borkowski's break table, which agrees with the official
(astronomical) Iranian calendar for Jalali years 1178-3177, e.g. 1403 is leap
(1403/12/30 = 2025-03-20) where a plain 33-year rule would say otherwise.
"""

from __future__ import annotations

from datetime import date, timedelta

# Jalali years at which the leap pattern of the 33-year cycle shifts (Borkowski).
_BREAKS = (-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097,
           2192, 2262, 2324, 2394, 2456, 3178)


def _div(a: int, b: int) -> int:
    """Integer division truncating toward zero (the published algorithm assumes it)."""
    return int(a / b)


def _mod(a: int, b: int) -> int:
    return a - _div(a, b) * b


def _year_info(jy: int) -> tuple[bool, int]:
    """(is_leap, day of March on which Farvardin 1 of ``jy`` falls)."""
    if not _BREAKS[0] <= jy < _BREAKS[-1]:
        raise ValueError(f"Jalali year {jy} is outside the supported range")
    gy = jy + 621
    leap_j, jp, jump = -14, _BREAKS[0], 0
    for jm in _BREAKS[1:]:
        jump = jm - jp
        if jy < jm:
            break
        leap_j += _div(jump, 33) * 8 + _div(_mod(jump, 33), 4)
        jp = jm
    n = jy - jp
    leap_j += _div(n, 33) * 8 + _div(_mod(n, 33) + 3, 4)
    if _mod(jump, 33) == 4 and jump - n == 4:
        leap_j += 1
    leap_g = _div(gy, 4) - _div((_div(gy, 100) + 1) * 3, 4) - 150
    march = 20 + leap_j - leap_g
    if jump - n < 6:
        n = n - jump + _div(jump + 4, 33) * 33
    leap = _mod(_mod(n + 1, 33) - 1, 4)
    return leap == 0, march


def is_leap(jy: int) -> bool:
    return _year_info(jy)[0]


def nowruz(jy: int) -> date:
    """The Gregorian date of Farvardin 1 of Jalali year ``jy``."""
    return date(jy + 621, 3, _year_info(jy)[1])


def gregorian_to_jalali(day: date) -> tuple[int, int, int]:
    jy = day.year - 621
    start = nowruz(jy)
    if day < start:
        jy -= 1
        start = nowruz(jy)
    k = (day - start).days
    if k < 186:  # the first six months have 31 days
        return jy, 1 + k // 31, 1 + k % 31
    k -= 186
    return jy, 7 + k // 30, 1 + k % 30


def jalali_to_gregorian(jy: int, jm: int, jd: int) -> date:
    length = 31 if jm <= 6 else 30 if jm <= 11 else (30 if is_leap(jy) else 29)
    if not 1 <= jm <= 12 or not 1 <= jd <= length:
        raise ValueError(f"{jy}/{jm}/{jd} is not a Jalali date")
    offset = (jm - 1) * 31 if jm <= 7 else 186 + (jm - 7) * 30
    return nowruz(jy) + timedelta(days=offset + jd - 1)
