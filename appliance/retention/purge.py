"""The retention purge: one pass over every kind of personal data.

Each kind names the tables (and files) it covers; a table another part has not created
yet is skipped, so the purge needs no change when a capability lands — only a row here.
Voicemail messages are files with a row that points at them: the file goes first, then the row
(a power cut in between leaves a row whose file is missing, never an orphan file).
Finished work only: a call still in progress (``ended_at`` NULL) is never removed.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from appliance.audit.log import AuditLog
from appliance.config.model import RetentionConfig
from appliance.store.db import db_path, iso, open_db

log = logging.getLogger("callbox.retention")

BATCH = 500  # rows per transaction: the core's writers never wait long


@dataclass(frozen=True)
class Rule:
    table: str
    at_column: str
    where: str = ""  # extra condition (SQL on the table's own columns)
    path_column: str = ""  # a file (relative to the data dir) belongs to each row


KINDS: dict[str, tuple[Rule, ...]] = {
    "calls": (Rule("calls", "started_at", "ended_at IS NOT NULL"),),
    "messages": (Rule("messages", "at"), Rule("ussd", "at")),  # parts go by cascade
    # call recordings (table recordings) are purged by appliance/recording under
    # [recording] retention_days and its quota; voicemail audio here
    "voicemail": (Rule("voicemail", "at", path_column="path"),),
    "chats": (Rule("chat_messages", "at"), Rule("chats", "at")),
}


class RetentionPurge:
    def __init__(self, data_dir: Path | str, config: RetentionConfig,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.data_dir = Path(data_dir)
        self.config, self.clock = config, clock
        self.audit = AuditLog(db_path(self.data_dir))

    def days(self, kind: str) -> int:
        return int(getattr(self.config, f"{kind}_days"))

    def run(self) -> dict[str, int]:
        """Purge every kind once; returns rows (and files) removed per kind."""
        now, removed = self.clock(), {}
        conn = open_db(db_path(self.data_dir))
        try:
            for kind, rules in KINDS.items():
                if self.days(kind) > 0:
                    cutoff = iso(now - timedelta(days=self.days(kind)))
                    removed[kind] = sum(self._purge(conn, rule, cutoff) for rule in rules)
        finally:
            conn.close()
        if self.config.audit_days > 0:
            removed["audit"] = self.audit.purge_before(now - timedelta(days=self.config.audit_days))
        done = {k: n for k, n in removed.items() if n}
        if done:
            log.info("retention purge removed %s", ", ".join(f"{k}={n}" for k, n in done.items()))
            self.audit.record("system", "retention.purge", "", "",
                              {k: {"removed": n, "days": self.days(k)} for k, n in done.items()})
        return removed

    def _purge(self, conn: sqlite3.Connection, rule: Rule, cutoff: str) -> int:
        columns = _columns(conn, rule.table)
        if rule.at_column not in columns or (rule.path_column and rule.path_column not in columns):
            return 0  # that part of callbox is not installed (yet)
        where = f"{rule.at_column} < ?" + (f" AND ({rule.where})" if rule.where else "")
        total = 0
        while True:
            rows = conn.execute(f"SELECT rowid{', ' + rule.path_column if rule.path_column else ''}"
                                f" FROM {rule.table} WHERE {where} LIMIT {BATCH}",
                                (cutoff,)).fetchall()
            if not rows:
                return total
            if rule.path_column:
                for row in rows:
                    self._remove_file(row[1])
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(f"DELETE FROM {rule.table} WHERE rowid = ?",
                             [(row[0],) for row in rows])
            conn.execute("COMMIT")
            total += len(rows)

    def _remove_file(self, relative: str | None) -> None:
        if not relative:
            return
        path = (self.data_dir / relative).resolve()
        if self.data_dir.resolve() not in path.parents:  # never outside the data dir
            log.warning("retention: recording path %r is outside the data dir; kept", relative)
            return
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("retention: cannot remove %s: %s", path, exc)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
