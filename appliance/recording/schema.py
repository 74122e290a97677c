"""The recordings table (a numbered migration in appliance/store/db.py; owner: store.py)."""

RECORDING_TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS recordings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL,              -- the call record it belongs to (calls.call_id)
        queue TEXT NOT NULL DEFAULT '',
        dispatcher TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL,           -- UTC ISO 8601
        seconds REAL NOT NULL,
        bytes INTEGER NOT NULL,
        path TEXT NOT NULL                  -- relative to the data dir
    )""",
    "CREATE INDEX IF NOT EXISTS recordings_call ON recordings(call_id)",
    "CREATE INDEX IF NOT EXISTS recordings_started ON recordings(started_at)",
)
