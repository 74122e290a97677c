"""``AuditLog(db_path).record(actor, action, target, source_ip, details)``.

Each entry carries the SHA-256 of the entry before it (``prev_hash``) and its own
``hash`` over its fields and ``prev_hash``, so editing, inserting or deleting an entry
in the middle breaks the chain, and :meth:`AuditLog.verify` names the first bad id.
A retention purge removes the oldest entries and records an ``audit.purged`` entry
naming the hash the remaining chain starts from (the new anchor).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from appliance.store.db import iso, open_db

log = logging.getLogger("callbox.audit")

GENESIS = "0" * 64
MAX_FIELD = 200
MAX_DETAILS = 4000
SEARCH_MAX = 1000


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target: str
    source_ip: str
    details: dict
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class TamperReport:
    ok: bool
    checked: int
    bad_id: int | None = None
    reason: str = ""


def entry_hash(prev_hash: str, at: str, actor: str, action: str, target: str,
               source_ip: str, details: str) -> str:
    body = json.dumps([prev_hash, at, actor, action, target, source_ip, details],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _clip(value: Any) -> str:
    return str(value if value is not None else "")[:MAX_FIELD]


class AuditLog:
    def __init__(self, db_path: Path | str, clock: Callable[[], datetime] | None = None):
        self.db_path = Path(db_path)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()  # one writer per process keeps the chain linear

    def _connect(self) -> sqlite3.Connection:
        return open_db(self.db_path)

    def record(self, actor: str, action: str, target: str = "", source_ip: str = "",
               details: dict | None = None) -> int:
        """Append one entry; returns its id. ``BEGIN IMMEDIATE`` takes the write lock
        before reading the last hash, so two processes never fork the chain."""
        text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
        if len(text) > MAX_DETAILS:
            text = json.dumps({"truncated": text[:MAX_DETAILS]}, ensure_ascii=False)
        fields = (iso(self._clock()), _clip(actor), _clip(action), _clip(target),
                  _clip(source_ip), text)
        with self._lock:
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
                row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"
                                   ).fetchone()
                prev = row[0] if row else GENESIS
                cur = conn.execute(
                    "INSERT INTO audit_log (at, actor, action, target, source_ip, details, "
                    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*fields, prev, entry_hash(prev, *fields)))
                conn.execute("COMMIT")
                return int(cur.lastrowid)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                conn.close()

    def search(self, actor: str = "", action: str = "", target: str = "", since: str = "",
               until: str = "", limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """Newest first; text filters match anywhere (case-insensitive)."""
        where, params = [], []
        for column, value in (("actor", actor), ("action", action), ("target", target)):
            if value:
                where.append(f"{column} LIKE ? ESCAPE '\\'")
                params.append("%" + value.replace("\\", "\\\\").replace("%", "\\%")
                              .replace("_", "\\_") + "%")
        if since:
            where.append("at >= ?")
            params.append(since)
        if until:
            where.append("at < ?")
            params.append(until)
        sql = ("SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY id DESC LIMIT ? OFFSET ?")
        conn = open_db(self.db_path, readonly=True)
        try:
            rows = conn.execute(sql, (*params, min(limit, SEARCH_MAX), offset)).fetchall()
        finally:
            conn.close()
        return [_entry(r) for r in rows]

    def verify(self) -> TamperReport:
        """Walk the chain from the oldest entry kept; the first mismatch is reported."""
        conn = open_db(self.db_path, readonly=True)
        try:
            rows = conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
        finally:
            conn.close()
        prev = rows[0]["prev_hash"] if rows else GENESIS  # after a purge: the anchor
        if prev != GENESIS and prev not in _purge_anchors(rows):
            return TamperReport(False, 0, rows[0]["id"],
                                "entries at the start were removed without a purge")
        for count, row in enumerate(rows):
            if row["prev_hash"] != prev:
                return TamperReport(False, count, row["id"],
                                    "an entry before it was removed or changed")
            expected = entry_hash(prev, row["at"], row["actor"], row["action"],
                                  row["target"], row["source_ip"], row["details"])
            if row["hash"] != expected:
                return TamperReport(False, count, row["id"], "the entry was changed")
            prev = row["hash"]
        return TamperReport(True, len(rows))

    def purge_before(self, cutoff: datetime) -> int:
        """Remove entries older than ``cutoff`` (retention); the removal itself is audited."""
        conn = self._connect()
        try:
            with self._lock:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("UPDATE audit_guard SET purging = 1")
                removed = conn.execute("DELETE FROM audit_log WHERE at < ?",
                                       (iso(cutoff),)).rowcount
                conn.execute("UPDATE audit_guard SET purging = 0")
                first = conn.execute("SELECT prev_hash FROM audit_log ORDER BY id LIMIT 1"
                                     ).fetchone()
                conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
        if removed:
            self.record("system", "audit.purged", "audit_log", "",
                        {"removed": removed, "before": iso(cutoff),
                         "anchor": first[0] if first else GENESIS})
        return removed


def _purge_anchors(rows: list[sqlite3.Row]) -> set[str]:
    """Hashes a purge said the kept chain starts from."""
    anchors = set()
    for row in rows:
        if row["action"] == "audit.purged" and row["actor"] == "system":
            try:
                anchors.add(json.loads(row["details"]).get("anchor", ""))
            except (ValueError, AttributeError):
                pass
    return anchors


def _entry(row: sqlite3.Row) -> AuditEntry:
    try:
        details = json.loads(row["details"])
    except ValueError:
        details = {"unreadable": row["details"]}
    return AuditEntry(row["id"], row["at"], row["actor"], row["action"], row["target"],
                      row["source_ip"], details if isinstance(details, dict) else {},
                      row["prev_hash"], row["hash"])
