"""SMS and USSD as the web reads them: on its own read-only connection.

The core writes these tables through ``appliance.store.messages.MessageStore``; the
web only reads, so it uses the same fields and order on the request's read-only
connection instead of a MessageStore (which opens for writing and creates tables).
Until the core has stored its first message the tables may not exist: that reads as
"no messages", not as an error.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.store.messages import PAGE_FIELDS, PUBLIC_FIELDS
from appliance.store.queries import number_candidates

USSD_FIELDS = ("line", "request", "text", "at")
MAX_LIMIT = 1000


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (name,)).fetchone()
    return row is not None


def list_messages(conn: sqlite3.Connection, number: str | None = None, limit: int = 50,
                  region: str | None = None, with_error: bool = False) -> list[dict[str, Any]]:
    """Messages newest first (multipart ones once, as stored), as contract dicts.

    ``number`` is matched like the call log's filter: as typed, in E.164 for
    ``region``, or as a fragment of 3+ digits. ``with_error`` adds ``error`` (the page
    shows why a message failed or was kept unread; the API's fields stay as they are)."""
    if not _has_table(conn, "messages"):
        return []
    sql = f"SELECT {', '.join(PAGE_FIELDS if with_error else PUBLIC_FIELDS)} FROM messages"
    args: list[Any] = []
    if number and number.strip():
        exact, fragment = number_candidates(number, region)
        clause = f"number IN ({','.join('?' * len(exact))})"
        args += sorted(exact)
        if fragment:
            clause += " OR number LIKE ?"
            args.append(f"%{fragment}%")
        sql += f" WHERE ({clause})"
    sql += " ORDER BY at DESC, id DESC LIMIT ?"
    args.append(max(1, min(int(limit), MAX_LIMIT)))
    return [dict(row) for row in conn.execute(sql, args)]


def last_ussd(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The newest USSD reply of each line, by line name."""
    if not _has_table(conn, "ussd"):
        return []
    rows = conn.execute(
        f"SELECT {', '.join(USSD_FIELDS)} FROM ussd WHERE id IN "
        "(SELECT MAX(id) FROM ussd GROUP BY line) ORDER BY line").fetchall()
    return [dict(row) for row in rows]
