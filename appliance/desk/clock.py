"""UTC timestamps as the store writes them (fixed-width ISO 8601, text order = time order)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from appliance.store.db import iso

Now = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def stamp(now: Now = utcnow) -> str:
    return iso(now())
