"""Call-log filters from a query string, shared by the page, its CSV export and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from appliance.store.queries import DISPOSITIONS, search_calls
from web.timefmt import parse_bound


class BadFilter(ValueError):
    """A query parameter that cannot be understood; ``param`` names it."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param


@dataclass
class CallFilters:
    since: datetime | None = None
    until: datetime | None = None
    number: str = ""
    dispatcher: str = ""
    disposition: str = ""
    limit: int = 100
    offset: int = 0

    def search(self, conn: Any, region: str, limit: int | None = None) -> list[dict]:
        return search_calls(conn, since=self.since, until=self.until, number=self.number or None,
                            dispatcher=self.dispatcher or None,
                            disposition=self.disposition or None,
                            limit=self.limit if limit is None else limit, offset=self.offset,
                            region=region)


def _int(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadFilter(name, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise BadFilter(name, f"must be between {low} and {high}")
    return value


def _bound(args: Mapping[str, str], name: str, tz: ZoneInfo, end: bool) -> datetime | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_bound(raw, tz, end)
    except ValueError:
        raise BadFilter(name, f"{raw!r} is not a date (YYYY-MM-DD, Jalali YYYY/MM/DD) "
                              "or an ISO 8601 time") from None


def parse_filters(args: Mapping[str, str], tz: ZoneInfo, default_limit: int = 100,
                  max_limit: int = 1000) -> CallFilters:
    disposition = (args.get("disposition") or "").strip()
    if disposition and disposition not in DISPOSITIONS:
        raise BadFilter("disposition", f"one of {', '.join(DISPOSITIONS)}")
    return CallFilters(
        since=_bound(args, "since", tz, end=False),
        until=_bound(args, "until", tz, end=True),
        number=(args.get("number") or "").strip(),
        dispatcher=(args.get("dispatcher") or "").strip(),
        disposition=disposition,
        limit=_int(args, "limit", default_limit, 1, max_limit),
        offset=_int(args, "offset", 0, 0, 10_000_000),
    )
