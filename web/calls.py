"""The call log page and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Iterator

from flask import Blueprint, Response, render_template, request

from appliance.store.queries import CALL_FIELDS, DISPOSITIONS, dispatchers_seen, rows_as_lists
from web.callbacks import callback_ui
from web.callfilters import BadFilter, parse_filters
from web.context import calls_db, web_context
from web.recordings.routes import recordings_of_calls
from web.security import audit, for_reader, spreadsheet_cell

bp = Blueprint("calls", __name__)

PAGE_SIZE = 50
CSV_MAX_ROWS = 100_000


@bp.get("/calls")
def page():
    ctx = web_context()
    error, calls, more = None, [], False
    with calls_db() as conn:
        try:
            filters = parse_filters(request.args, ctx.tz, default_limit=PAGE_SIZE, max_limit=500)
            found = for_reader(filters.search(conn, ctx.config.office.country,
                                              limit=filters.limit + 1))
            calls, more = found[:filters.limit], len(found) > filters.limit
        except BadFilter as exc:
            error, filters = exc.shown(), None
        known = {d.name for d in ctx.config.dispatcher} | set(dispatchers_seen(conn))
        recorded = recordings_of_calls(conn, [c["id"] for c in calls])
    page = render_template("calls.html", calls=calls, more=more, filters=filters, error=error,
                           args=request.args, dispositions=DISPOSITIONS,
                           dispatchers=sorted(known), nav_args=_nav_args(filters),
                           callback=callback_ui(), recorded=recorded)
    return page, (400 if error else 200)


def _nav_args(filters: Any) -> dict[str, dict[str, str]]:
    """Query strings of the newer/older page links (and the CSV link)."""
    base = {k: v for k, v in request.args.items() if k not in ("offset",) and v}
    if filters is None:
        return {"csv": base}
    newer = max(0, filters.offset - filters.limit)
    return {"csv": {k: v for k, v in base.items() if k != "limit"},
            "newer": dict(base, offset=str(newer)),
            "older": dict(base, offset=str(filters.offset + filters.limit))}


@bp.get("/calls.csv")
def export_csv():
    ctx = web_context()
    try:
        filters = parse_filters(request.args, ctx.tz, default_limit=CSV_MAX_ROWS,
                                max_limit=CSV_MAX_ROWS)
    except BadFilter as exc:
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    with calls_db() as conn:
        records = filters.search(conn, ctx.config.office.country)
    audit("calls.export", "calls.csv", rows=len(records),
          filters={k: v for k, v in request.args.items() if v})
    stamp = datetime.now(ctx.tz).strftime("%Y%m%d-%H%M")
    return Response(_csv_chunks(records), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="calls-{stamp}.csv"'})


def _csv_chunks(records: list[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")  # spreadsheet apps then read Persian and Russian names as UTF-8
    writer.writerow(CALL_FIELDS)
    for i, row in enumerate(rows_as_lists(records), 1):
        writer.writerow([_cell(v) for v in row])
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: Any) -> Any:
    return spreadsheet_cell(value)
