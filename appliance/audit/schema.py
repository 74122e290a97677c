"""The audit log's table (a numbered migration in appliance/store/db.py).

Triggers refuse UPDATE always and DELETE unless the retention purge opened the
one-row ``audit_guard`` for its own transaction: a slip in code cannot rewrite history.
Someone with the file can still edit it; the hash chain (appliance/audit/log.py) shows it.
"""

MIGRATION: tuple[str, ...] = (
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,                 -- UTC ISO 8601
        actor TEXT NOT NULL,              -- user name, 'token:<id>', 'system'
        action TEXT NOT NULL,             -- e.g. customer.view, calls.export
        target TEXT NOT NULL DEFAULT '',
        source_ip TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '{}',  -- JSON object
        prev_hash TEXT NOT NULL,          -- hash of the entry before (the chain)
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX audit_log_at ON audit_log(at)",
    "CREATE INDEX audit_log_actor ON audit_log(actor)",
    "CREATE TABLE audit_guard (purging INTEGER NOT NULL DEFAULT 0)",
    "INSERT INTO audit_guard (purging) VALUES (0)",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       WHEN (SELECT purging FROM audit_guard) = 0
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)
