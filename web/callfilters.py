"""Call-log filters from a query string, shared by the page, its CSV export and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from appliance.i18n import N_
from appliance.store.queries import DISPOSITIONS, search_calls
from web.i18n import label, message
from web.timefmt import parse_bound


class BadFilter(ValueError):
    """A query parameter that cannot be understood; ``param`` names it. The message is a
    msgid with params (``str(exc)`` is the English text, for the API and logs)."""

    def __init__(self, param: str, msgid: str, **params: Any):
        super().__init__(f"{param}: {msgid % params if params else msgid}")
        self.param = param
        self.msgid = msgid
        self.params = params

    def shown(self) -> str:
        """The problem in the reader's language, for a page."""
        return f"{label('filter', self.param)}: {message(self.msgid, self.params)}"


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
        raise BadFilter(name, N_("'%(raw)s' is not a whole number"), raw=raw) from None
    if not low <= value <= high:
        raise BadFilter(name, N_("must be between %(low)d and %(high)d"), low=low, high=high)
    return value


def _bound(args: Mapping[str, str], name: str, tz: ZoneInfo, end: bool) -> datetime | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_bound(raw, tz, end)
    except OverflowError:  # e.g. the day after 9999-12-31
        raise BadFilter(name, N_("'%(raw)s' is out of the range of dates"), raw=raw) from None
    except ValueError:
        raise BadFilter(name, N_("'%(raw)s' is not a date (YYYY-MM-DD, Jalali YYYY/MM/DD) "
                                 "or an ISO 8601 time"), raw=raw) from None


def parse_filters(args: Mapping[str, str], tz: ZoneInfo, default_limit: int = 100,
                  max_limit: int = 1000) -> CallFilters:
    disposition = (args.get("disposition") or "").strip()
    if disposition and disposition not in DISPOSITIONS:
        raise BadFilter("disposition", N_("one of %(choices)s"), choices=", ".join(DISPOSITIONS))
    return CallFilters(
        since=_bound(args, "since", tz, end=False),
        until=_bound(args, "until", tz, end=True),
        number=(args.get("number") or "").strip(),
        dispatcher=(args.get("dispatcher") or "").strip(),
        disposition=disposition,
        limit=_int(args, "limit", default_limit, 1, max_limit),
        offset=_int(args, "offset", 0, 0, 10_000_000),
    )
