"""Voicemail messages: the ``voicemail`` table (this module owns it) and the WAV files.

Recordings live on the data partition under ``<data>/voicemail/YYYY-MM/<call_id>.wav``;
the row keeps the path relative to the data dir. The core adds rows (from a
writer thread, never the bus); the web lists them and marks them handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from appliance.events import utcnow
from appliance.store.db import db_path, iso, open_db

FOLDER = "voicemail"


@dataclass(frozen=True)
class Message:
    id: int
    call_id: str
    caller: str
    at: str
    duration_s: float
    queue: str
    reason: str
    path: str
    heard_by: str | None
    heard_at: str | None


def message_path(data_dir: str | Path, call_id: str, at: datetime) -> tuple[Path, str]:
    """(absolute path, path relative to the data dir) of a new recording."""
    rel = f"{FOLDER}/{at:%Y-%m}/{call_id}.wav"
    return Path(data_dir) / rel, rel


class VoicemailStore:
    def __init__(self, data_dir: str | Path, clock: Callable[[], datetime] = utcnow):
        self.data_dir = Path(data_dir)
        self._clock = clock

    def _conn(self, readonly: bool = False):
        return open_db(db_path(self.data_dir), readonly=readonly)

    def add(self, call_id: str, caller: str, at: datetime, duration_s: float, queue: str,
            reason: str, rel_path: str) -> int:
        conn = self._conn()
        try:
            conn.execute("BEGIN")
            cur = conn.execute(
                "INSERT INTO voicemail (call_id, caller, at, duration_s, queue, reason, path)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (call_id, caller, iso(at), round(duration_s, 1), queue, reason, rel_path))
            conn.execute("COMMIT")
            return int(cur.lastrowid)
        finally:
            conn.close()

    def list(self, limit: int = 100, unread_only: bool = False) -> list[Message]:
        conn = self._conn(readonly=True)
        try:
            where = "WHERE heard_by IS NULL " if unread_only else ""
            rows = conn.execute(f"SELECT * FROM voicemail {where}ORDER BY at DESC, id DESC "
                                "LIMIT ?", (limit,)).fetchall()
        finally:
            conn.close()
        return [Message(**{k: r[k] for k in r.keys()}) for r in rows]

    def get(self, message_id: int) -> Message | None:
        conn = self._conn(readonly=True)
        try:
            row = conn.execute("SELECT * FROM voicemail WHERE id = ?", (message_id,)).fetchone()
        finally:
            conn.close()
        return Message(**{k: row[k] for k in row.keys()}) if row else None

    def unread(self) -> int:
        conn = self._conn(readonly=True)
        try:
            return conn.execute("SELECT count(*) FROM voicemail WHERE heard_by IS NULL"
                                ).fetchone()[0]
        finally:
            conn.close()

    def mark_handled(self, message_id: int, user: str) -> Message | None:
        """Record who handled it (the first one to do so stays); None if there is no such."""
        conn = self._conn()
        try:
            conn.execute("BEGIN")
            conn.execute("UPDATE voicemail SET heard_by = ?, heard_at = ? "
                         "WHERE id = ? AND heard_by IS NULL", (user, iso(self._clock()),
                                                               message_id))
            conn.execute("COMMIT")
        finally:
            conn.close()
        return self.get(message_id)

    def file(self, message: Message) -> Path:
        return self.data_dir / message.path
