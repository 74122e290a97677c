"""The recordings table and the files it names (this module owns both).

Files live in ``<data>/recordings/YYYY-MM/<call_id>.<ext>``. ``enforce`` keeps them
within the quota and the retention: the oldest go first, file and row together, so the
data disk never fills up with recordings.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from appliance.store.db import iso, open_db

log = logging.getLogger("callbox.recording")


@dataclass(frozen=True)
class Recording:
    id: int
    call_id: str
    queue: str
    dispatcher: str
    started_at: str
    seconds: float
    bytes: int
    path: str  # relative to the data dir


def folder_for(data_dir: Path, at: datetime) -> Path:
    return Path(data_dir) / "recordings" / at.strftime("%Y-%m")


class RecordingStore:
    def __init__(self, data_dir: str | Path, db: str | Path):
        self.data_dir = Path(data_dir)
        self._db = Path(db)

    def _conn(self, readonly: bool = False) -> sqlite3.Connection:
        return open_db(self._db, readonly=readonly, check_same_thread=False)

    def add(self, call_id: str, queue: str, dispatcher: str, started: datetime, seconds: float,
            path: Path) -> int:
        rel = str(Path(path).relative_to(self.data_dir))
        conn = self._conn()
        try:
            with conn:
                cur = conn.execute(
                    "INSERT INTO recordings (call_id, queue, dispatcher, started_at, seconds, "
                    "bytes, path) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (call_id, queue, dispatcher, iso(started), round(seconds, 1),
                     Path(path).stat().st_size, rel))
            return int(cur.lastrowid)
        finally:
            conn.close()

    def list(self, call_id: str = "", limit: int = 100) -> list[Recording]:
        conn = self._conn(readonly=True)
        try:
            rows = conn.execute(
                "SELECT * FROM recordings WHERE (? = '' OR call_id = ?) ORDER BY started_at DESC "
                "LIMIT ?", (call_id, call_id, limit)).fetchall()
        finally:
            conn.close()
        return [Recording(**dict(r)) for r in rows]

    def get(self, rec_id: int) -> Recording | None:
        conn = self._conn(readonly=True)
        try:
            row = conn.execute("SELECT * FROM recordings WHERE id = ?", (rec_id,)).fetchone()
        finally:
            conn.close()
        return Recording(**dict(row)) if row else None

    def file(self, rec: Recording) -> Path:
        return self.data_dir / rec.path

    def enforce(self, quota_bytes: int, retention_days: float, now: datetime) -> list[str]:
        """Delete what is past the retention, then the oldest until under the quota.
        Returns the deleted paths (relative)."""
        deleted: list[str] = []
        conn = self._conn()
        try:
            if retention_days > 0:
                limit = iso(now - timedelta(days=retention_days))
                for row in conn.execute("SELECT id, path FROM recordings WHERE started_at < ? "
                                        "ORDER BY started_at", (limit,)).fetchall():
                    deleted.append(self._delete(conn, row["id"], row["path"]))
            total = conn.execute("SELECT COALESCE(SUM(bytes), 0) FROM recordings").fetchone()[0]
            for row in conn.execute("SELECT id, path, bytes FROM recordings "
                                    "ORDER BY started_at, id").fetchall():
                if total <= quota_bytes:
                    break
                deleted.append(self._delete(conn, row["id"], row["path"]))
                total -= row["bytes"]
        finally:
            conn.close()
        if deleted:
            log.info("recordings deleted (quota/retention): %d", len(deleted))
        return deleted

    def _delete(self, conn: sqlite3.Connection, rec_id: int, rel: str) -> str:
        try:
            os.unlink(self.data_dir / rel)
        except FileNotFoundError:
            pass
        with conn:
            conn.execute("DELETE FROM recordings WHERE id = ?", (rec_id,))
        return rel
