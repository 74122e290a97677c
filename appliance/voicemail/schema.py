"""The voicemail table (a numbered migration in appliance/store/db.py; owner: store.py)."""

VOICEMAIL_TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS voicemail (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL,
        caller TEXT NOT NULL,
        at TEXT NOT NULL,                   -- UTC ISO 8601, when the recording started
        duration_s REAL NOT NULL,
        queue TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',    -- ivr | closed | overflow
        path TEXT NOT NULL,                 -- relative to the data dir
        heard_by TEXT,                      -- who marked it handled (NULL = not yet)
        heard_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS voicemail_at ON voicemail(at)",
)
