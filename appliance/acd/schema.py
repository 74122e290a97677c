"""Queue tables (numbered migrations in appliance/store/db.py).

``pauses``: owner appliance/acd/pauselog.py — one row per pause of a dispatcher, with
its reason, for the reports ("how long was each dispatcher on a break").
"""

PAUSE_TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS pauses (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dispatcher TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',    -- a configured reason, 'auto', or ''
        started_at TEXT NOT NULL,           -- UTC ISO 8601
        ended_at TEXT,                      -- NULL while paused
        seconds REAL,
        ended_by TEXT NOT NULL DEFAULT ''   -- resume | logout | restart
    )""",
    "CREATE INDEX IF NOT EXISTS pauses_started_at ON pauses(started_at)",
)
