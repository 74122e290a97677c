"""SMS and USSD in SQLite: table ``messages`` (one row per message, as people see it),
``message_parts`` (each SMS part as it came or went, so a multipart message is never
lost half-way and delivery reports find their part), and ``ussd``.

Every part is committed before the modem is told to delete it, so a power cut
between the two can duplicate a part (ignored by its primary key) but never lose one.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from appliance.events import utcnow
from appliance.store.db import iso, open_db

TABLES = (
    """CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        line TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        number TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,                    -- ISO 8601 UTC, received or queued
        status TEXT NOT NULL,  -- in: received|partial|incomplete|undecodable; out: sending|sent|delivered|failed
        concat_ref INTEGER,                  -- multipart reference (8- or 16-bit), NULL if single
        parts INTEGER NOT NULL DEFAULT 1,
        error TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS messages_number_at ON messages(number, at)",
    "CREATE INDEX IF NOT EXISTS messages_at ON messages(at)",
    """CREATE TABLE IF NOT EXISTS message_parts (
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        part INTEGER NOT NULL,               -- 1-based sequence number
        text TEXT NOT NULL,
        mr INTEGER,                          -- TP-MR of a sent part (delivery reports)
        status TEXT NOT NULL DEFAULT '',     -- out: sent|delivered|failed
        at TEXT NOT NULL,
        PRIMARY KEY (message_id, part)
    )""",
    "CREATE INDEX IF NOT EXISTS message_parts_mr ON message_parts(mr)",
    """CREATE TABLE IF NOT EXISTS ussd (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        line TEXT NOT NULL,
        request TEXT NOT NULL,
        text TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS ussd_line ON ussd(line, id)",
    # An SMS the modem gave but the box could not read (a PDU that does not decode, a
    # broken listing): its raw bytes, kept with its message row (status 'undecodable');
    # the modem keeps it too. One row per line and raw text, however often re-read.
    """CREATE TABLE IF NOT EXISTS sms_raw (
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        line TEXT NOT NULL,
        storage TEXT NOT NULL,               -- SM | ME | MT ... (where the modem keeps it)
        idx INTEGER NOT NULL,                -- its index there when it was read
        raw TEXT NOT NULL,                   -- the lines as the modem sent them
        at TEXT NOT NULL,
        UNIQUE (line, raw)
    )""",
)

REASSEMBLY_WINDOW = timedelta(days=3)  # parts further apart start a new message
PUBLIC_FIELDS = ("id", "line", "direction", "number", "text", "at", "status")
PAGE_FIELDS = PUBLIC_FIELDS + ("error",)  # the page also shows why (a msgid, translated)


class MessageStore:
    """Thread-safe: one connection, one lock (the lines write from their own threads)."""

    def __init__(self, db_path: str | Path, clock: Callable[[], datetime] = utcnow):
        self._conn = open_db(db_path, check_same_thread=False)
        self._lock = threading.Lock()
        self._clock = clock
        with self._lock:
            self._tx(lambda c: [c.execute(sql) for sql in TABLES])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _tx(self, fn: Callable[[sqlite3.Connection], object]):
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(self._conn)
            self._conn.execute("COMMIT")
            return result
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    # -- incoming ----------------------------------------------------------------------
    def add_incoming(self, line: str, number: str, text: str, part: int = 1, parts: int = 1,
                     ref: int | None = None) -> tuple[int, bool, str]:
        """Store one received part: ``(message_id, complete, text so far)``."""
        now = self._clock()
        with self._lock:
            return self._tx(lambda c: self._add_part(c, line, number, text, part, parts,
                                                     ref, now))

    def _add_part(self, c: sqlite3.Connection, line: str, number: str, text: str,
                  part: int, parts: int, ref: int | None, now: datetime):
        if parts <= 1:
            mid = c.execute("INSERT INTO messages (line, direction, number, text, at, status) "
                            "VALUES (?, 'in', ?, ?, ?, 'received')",
                            (line, number, text, iso(now))).lastrowid
            c.execute("INSERT INTO message_parts (message_id, part, text, at) VALUES (?,1,?,?)",
                      (mid, text, iso(now)))
            return mid, True, text
        row = c.execute(
            "SELECT id FROM messages WHERE line = ? AND direction = 'in' AND number = ? "
            "AND concat_ref = ? AND parts = ? AND status IN ('partial', 'incomplete') "
            "AND at >= ? "
            "ORDER BY id DESC LIMIT 1",
            (line, number, ref, parts, iso(now - REASSEMBLY_WINDOW))).fetchone()
        if row is None:
            mid = c.execute("INSERT INTO messages (line, direction, number, text, at, status, "
                            "concat_ref, parts) VALUES (?, 'in', ?, '', ?, 'partial', ?, ?)",
                            (line, number, iso(now), ref, parts)).lastrowid
        else:
            mid = row["id"]
        c.execute("INSERT OR IGNORE INTO message_parts (message_id, part, text, at) "
                  "VALUES (?, ?, ?, ?)", (mid, part, text, iso(now)))
        got = c.execute("SELECT part, text FROM message_parts WHERE message_id = ? "
                        "ORDER BY part", (mid,)).fetchall()
        joined = "".join(r["text"] for r in got)
        complete = len(got) >= parts
        c.execute("UPDATE messages SET text = ?, status = ? WHERE id = ?",
                  (joined, "received" if complete else "partial", mid))
        return mid, complete, joined

    def add_undecodable(self, line: str, storage: str, index: int, raw: str,
                        error: str, number: str = "") -> tuple[int, bool]:
        """Keep an SMS the box could not read: ``(message_id, new)``; ``new`` is False
        when the same raw message was kept before (the modem listed it again)."""
        now = iso(self._clock())

        def tx(c: sqlite3.Connection) -> tuple[int, bool]:
            row = c.execute("SELECT message_id FROM sms_raw WHERE line = ? AND raw = ?",
                            (line, raw)).fetchone()
            if row is not None:
                return row["message_id"], False
            mid = c.execute("INSERT INTO messages (line, direction, number, text, at, status, "
                            "error) VALUES (?, 'in', ?, '', ?, 'undecodable', ?)",
                            (line, number, now, error)).lastrowid
            c.execute("INSERT INTO sms_raw (message_id, line, storage, idx, raw, at) "
                      "VALUES (?, ?, ?, ?, ?, ?)", (mid, line, storage, index, raw, now))
            return mid, True
        with self._lock:
            return self._tx(tx)

    def raw_of(self, message_id: int) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT raw FROM sms_raw WHERE message_id = ?",
                                     (message_id,)).fetchone()
        return row["raw"] if row else None

    def expire_partial(self, line: str, older_than: timedelta) -> list[dict]:
        """Multipart messages of ``line`` still missing parts after ``older_than``:
        marked 'incomplete' (shown with the parts that came) and returned."""
        since = iso(self._clock() - older_than)

        def tx(c: sqlite3.Connection) -> list[dict]:
            rows = [dict(r) for r in c.execute(
                "SELECT id, number, text FROM messages WHERE line = ? AND direction = 'in' "
                "AND status = 'partial' AND at < ?", (line, since))]
            c.executemany("UPDATE messages SET status = 'incomplete' WHERE id = ?",
                          [(r["id"],) for r in rows])
            return rows
        with self._lock:
            return self._tx(tx)

    # -- outgoing ----------------------------------------------------------------------
    def add_outgoing(self, line: str, number: str, text: str, parts: int = 1,
                     ref: int | None = None) -> int:
        now = iso(self._clock())
        with self._lock:
            return self._tx(lambda c: c.execute(
                "INSERT INTO messages (line, direction, number, text, at, status, concat_ref, "
                "parts) VALUES (?, 'out', ?, ?, ?, 'sending', ?, ?)",
                (line, number, text, now, ref, parts)).lastrowid)

    def part_sent(self, message_id: int, part: int, text: str, mr: int) -> None:
        now = iso(self._clock())
        with self._lock:
            self._tx(lambda c: c.execute(
                "INSERT OR REPLACE INTO message_parts (message_id, part, text, mr, status, at) "
                "VALUES (?, ?, ?, ?, 'sent', ?)", (message_id, part, text, mr, now)))

    def set_status(self, message_id: int, status: str, error: str = "") -> None:
        with self._lock:
            self._tx(lambda c: c.execute("UPDATE messages SET status = ?, error = ? WHERE id = ?",
                                         (status, error, message_id)))

    def record_delivery(self, line: str, mr: int, delivered: bool) -> int | None:
        """Apply a final status report to the newest sent part with this TP-MR."""
        since = iso(self._clock() - REASSEMBLY_WINDOW)
        with self._lock:
            return self._tx(lambda c: self._delivery(c, line, mr, delivered, since))

    @staticmethod
    def _delivery(c: sqlite3.Connection, line: str, mr: int, delivered: bool, since: str):
        row = c.execute(
            "SELECT p.message_id, p.part FROM message_parts p JOIN messages m "
            "ON m.id = p.message_id WHERE m.line = ? AND m.direction = 'out' AND p.mr = ? "
            "AND p.at >= ? ORDER BY p.at DESC LIMIT 1", (line, mr, since)).fetchone()
        if row is None:
            return None
        mid = row["message_id"]
        c.execute("UPDATE message_parts SET status = ? WHERE message_id = ? AND part = ?",
                  ("delivered" if delivered else "failed", mid, row["part"]))
        states = [r["status"] for r in c.execute(
            "SELECT status FROM message_parts WHERE message_id = ?", (mid,))]
        parts = c.execute("SELECT parts FROM messages WHERE id = ?", (mid,)).fetchone()["parts"]
        if "failed" in states:
            c.execute("UPDATE messages SET status = 'failed', error = 'not delivered' "
                      "WHERE id = ?", (mid,))
        elif len(states) >= parts and all(s == "delivered" for s in states):
            c.execute("UPDATE messages SET status = 'delivered' WHERE id = ?", (mid,))
        return mid

    # -- USSD -------------------------------------------------------------------------------
    def add_ussd(self, line: str, request: str, text: str) -> int:
        now = iso(self._clock())
        with self._lock:
            return self._tx(lambda c: c.execute(
                "INSERT INTO ussd (line, request, text, at) VALUES (?, ?, ?, ?)",
                (line, request, text, now)).lastrowid)

    # -- queries ------------------------------------------------------------------------------
    def list_messages(self, number: str | None = None, limit: int = 50) -> list[dict]:
        """Newest first; a multipart message appears once, its parts joined in order."""
        sql = f"SELECT {', '.join(PUBLIC_FIELDS)} FROM messages"
        args: list = []
        if number:
            sql += " WHERE number = ?"
            args.append(number)
        sql += " ORDER BY at DESC, id DESC LIMIT ?"
        args.append(max(1, min(int(limit), 1000)))
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql, args)]

    def get_message(self, message_id: int) -> dict | None:
        """The message's public fields and its ``error`` (why it failed or is kept raw)."""
        with self._lock:
            row = self._conn.execute(f"SELECT {', '.join(PAGE_FIELDS)} FROM messages "
                                     "WHERE id = ?", (message_id,)).fetchone()
        return dict(row) if row else None

    def last_ussd(self) -> list[dict]:
        """The newest USSD reply of each line."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT line, request, text, at FROM ussd WHERE id IN "
                "(SELECT MAX(id) FROM ussd GROUP BY line) ORDER BY line").fetchall()
        return [dict(r) for r in rows]
