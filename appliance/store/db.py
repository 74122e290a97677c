"""The SQLite database on the data partition: connection settings and schema.

WAL lets the web process read while the core writes; ``synchronous=FULL``
makes a committed call record survive a power cut. The schema is versioned
with ``PRAGMA user_version``: ``SCHEMA[n]`` holds the statements that take the
database from version n to n+1. Append to it, never edit a released entry.

The ``calls`` columns are a contract: the web reads them directly.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from appliance.audit.schema import MIGRATION as AUDIT_TABLES
from appliance.desk.schema import MIGRATION as DESK_TABLES
from appliance.errors import StoreError
from appliance.voicemail.schema import VOICEMAIL_TABLES
from appliance.acd.schema import PAUSE_TABLES
from appliance.recording.schema import RECORDING_TABLES

log = logging.getLogger("callbox.store")

DB_FILENAME = "callbox.sqlite3"
BUSY_TIMEOUT_MS = 5000
PAGE_SIZE = 1024  # new databases only; an existing file keeps its page size

SCHEMA: tuple[tuple[str, ...], ...] = (
    (  # 0 -> 1: the call log
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            call_id TEXT NOT NULL UNIQUE,
            direction TEXT NOT NULL,            -- in | out
            line TEXT NOT NULL,
            caller TEXT NOT NULL,               -- E.164 where possible
            caller_raw TEXT NOT NULL,
            callee TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            answered_at TEXT,                   -- when a dispatcher answered
            ended_at TEXT,
            ivr_path TEXT NOT NULL DEFAULT '',
            queue TEXT,
            wait_s REAL,
            dispatcher TEXT,
            disposition TEXT,                   -- NULL while in progress
            hangup_cause TEXT
        )""",
        "CREATE INDEX calls_started_at ON calls(started_at)",
        "CREATE INDEX calls_caller ON calls(caller)",
        "CREATE INDEX calls_dispatcher ON calls(dispatcher)",
    ),
    DESK_TABLES,  # 1 -> 2: customers, orders, drivers, streets (appliance/desk/schema.py)
    AUDIT_TABLES,  # 2 -> 3: the append-only audit log (appliance/audit/schema.py)
    VOICEMAIL_TABLES,  # 3 -> 4: voicemail (appliance/voicemail/schema.py)
    PAUSE_TABLES,  # 4 -> 5: pause time by reason (appliance/acd/schema.py)
    RECORDING_TABLES,  # 5 -> 6: call recordings (appliance/recording/schema.py)
)


def db_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / DB_FILENAME


def iso(dt: datetime) -> str:
    """UTC ISO 8601 with microseconds and 'Z': fixed width, so text order = time order."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: pass an aware (UTC) datetime")
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    """Inverse of :func:`iso` (also accepts '+00:00' and missing microseconds)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, schema: Sequence[Sequence[str]] = SCHEMA) -> int:
    """Bring the schema to ``len(schema)``; returns the number of steps applied.

    Runs under ``BEGIN IMMEDIATE`` and re-reads the version inside it, so the core
    and the web opening a fresh database at once migrate it exactly once.
    """
    target = len(schema)
    if schema_version(conn) == target:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)
        if current > target:
            raise StoreError(f"database schema version {current} is newer than this "
                             f"callbox understands ({target}); update callbox")
        for version in range(current, target):
            for statement in schema[version]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {target:d}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if target > current:
        log.info("database schema migrated from version %d to %d", current, target)
    return target - current


def open_db(path: str | Path, readonly: bool = False, *, check_same_thread: bool = True,
            schema: Sequence[Sequence[str]] = SCHEMA) -> sqlite3.Connection:
    """Open (creating and migrating if needed) the database.

    The connection is in autocommit mode (``isolation_level=None``): write code
    opens its transactions with ``BEGIN`` itself. ``readonly`` sets
    ``query_only`` after the schema is ensured, so the web may open first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=check_same_thread)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path}: {exc}") from exc
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        # Before WAL, so it takes on a new file only: 1 KiB pages put ~2.5x fewer bytes
        # per commit on the SD card (docs/benchmarks.md, "Flash wear").
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE:d}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            log.warning("%s: journal mode is %s, not wal (file system?)", path, mode)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, schema)
        if readonly:
            conn.execute("PRAGMA query_only = 1")
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"cannot open {path}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn
