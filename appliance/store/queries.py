"""Read-only queries on the call log (table ``calls``), shared by the web pages and the API."""

from __future__ import annotations

import sqlite3
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import phonenumbers

# The call-record contract (DESIGN.md, GET /api/calls), in column order.
CALL_FIELDS = ("id", "direction", "line", "caller", "callee", "started_at", "answered_at",
               "ended_at", "ivr_path", "queue", "wait_s", "dispatcher", "disposition",
               "hangup_cause")
DISPOSITIONS = ("answered", "abandoned", "voicemail", "callback", "failed", "rejected",
                "interrupted")
MIN_PARTIAL_DIGITS = 3  # shorter fragments would match nearly every number


def _to_utc(value: datetime | str) -> datetime:
    """A bound as aware UTC; strings are ISO 8601 and a naive time counts as UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _second(value: datetime) -> str:
    # Whole seconds without a zone: compares correctly as text against stored values
    # with or without fractions (".123456Z" and "Z" both sort after the bare second).
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def ascii_digits(text: str) -> str:
    """Only the digits of ``text``, in ASCII (Persian and Arabic-Indic digits too)."""
    return "".join(str(unicodedata.digit(ch)) for ch in text if ch.isdigit())


def number_candidates(text: str, region: str | None) -> tuple[set[str], str]:
    """Exact forms to look for (as typed, E.164) and a digit fragment for partial matches."""
    typed = text.strip()
    exact = {typed, ascii_digits(typed)} - {""}
    fragment = ascii_digits(typed)
    try:
        parsed = phonenumbers.parse(typed, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        exact.add(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
        fragment = phonenumbers.national_significant_number(parsed)
    return exact, fragment if len(fragment) >= MIN_PARTIAL_DIGITS else ""


def _number_clause(text: str, region: str | None) -> tuple[str, list[Any]]:
    exact, fragment = number_candidates(text, region)
    columns = ("caller", "caller_raw", "callee")
    marks = ",".join("?" * len(exact))
    parts = [f"{col} IN ({marks})" for col in columns]
    args: list[Any] = [v for _ in columns for v in sorted(exact)]
    if fragment:
        parts += [f"{col} LIKE ?" for col in columns]
        args += [f"%{fragment}%"] * len(columns)
    return "(" + " OR ".join(parts) + ")", args


def search_calls(conn: sqlite3.Connection, since: datetime | str | None = None,
                 until: datetime | str | None = None, number: str | None = None,
                 dispatcher: str | None = None, disposition: str | None = None,
                 limit: int = 100, offset: int = 0,
                 region: str | None = None) -> list[dict[str, Any]]:
    """Call records newest first, as contract dicts.

    ``since`` and ``until`` bound ``started_at`` and both include their own second;
    ``number`` matches caller, raw caller ID or callee, typed in any local format
    of ``region`` (ISO country code), in E.164, or as a fragment of 3+ digits.
    """
    where: list[str] = []
    args: list[Any] = []
    if since:
        where.append("started_at >= ?")
        args.append(_second(_to_utc(since)))
    if until:
        where.append("started_at < ?")
        args.append(_second(_to_utc(until) + timedelta(seconds=1)))
    if number and number.strip():
        clause, extra = _number_clause(number, region)
        where.append(clause)
        args += extra
    if dispatcher:
        where.append("dispatcher = ?")
        args.append(dispatcher)
    if disposition:
        where.append("disposition = ?")
        args.append(disposition)
    sql = f"SELECT {', '.join(CALL_FIELDS)} FROM calls"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?"
    args += [max(0, int(limit)), max(0, int(offset))]
    cursor = conn.execute(sql, args)
    names = [d[0] for d in cursor.description]
    return [call_to_json(dict(zip(names, row))) for row in cursor.fetchall()]


def call_to_json(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """Exactly the contract fields of one ``calls`` row (extra columns are left out)."""
    record = {name: row[name] for name in CALL_FIELDS}
    if record["wait_s"] is not None:
        record["wait_s"] = float(record["wait_s"])
    return record


def dispatchers_seen(conn: sqlite3.Connection, limit: int = 200) -> list[str]:
    """Names that appear in the log (for the call-log filter's choices)."""
    rows = conn.execute("SELECT DISTINCT dispatcher FROM calls WHERE dispatcher IS NOT NULL "
                        "AND dispatcher != '' ORDER BY dispatcher LIMIT ?", (limit,))
    return [r[0] for r in rows]


def rows_as_lists(records: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    """Records as CSV rows in contract column order (None becomes an empty cell)."""
    for record in records:
        yield ["" if record[f] is None else record[f] for f in CALL_FIELDS]
