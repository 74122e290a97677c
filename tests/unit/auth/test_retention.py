"""The retention purge on a real SQLite file and real recording files: what is older than
its kind's days goes, what is newer or still running stays, and the purge is audited."""

from __future__ import annotations

from datetime import datetime, timezone

from appliance.audit.log import AuditLog
from appliance.config.model import RetentionConfig
from appliance.retention.job import RetentionJob
from appliance.retention.purge import RetentionPurge
from appliance.store.db import db_path, open_db
from appliance.store.messages import MessageStore

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
OLD, NEW = "2026-01-01T08:00:00.000000Z", "2026-05-30T08:00:00.000000Z"


def _seed(data_dir):
    MessageStore(db_path(data_dir))  # creates the SMS tables as the core does
    conn = open_db(db_path(data_dir))
    for call_id, started, ended in [("old", OLD, OLD), ("new", NEW, NEW), ("running", OLD, None)]:
        conn.execute("INSERT INTO calls (call_id, direction, line, caller, caller_raw, "
                     "started_at, ended_at) VALUES (?, 'in', 'gsm1', '+98912', '0912', ?, ?)",
                     (call_id, started, ended))
    for at in (OLD, NEW):
        conn.execute("INSERT INTO messages (line, direction, number, text, at, status) "
                     "VALUES ('gsm1', 'in', '+98912', 'hello', ?, 'received')", (at,))
    conn.execute("INSERT INTO message_parts (message_id, part, text, at) VALUES (1, 1, 'h', ?)",
                 (OLD,))
    (data_dir / "voicemail").mkdir()
    for name, at in (("old.wav", OLD), ("new.wav", NEW)):
        (data_dir / "voicemail" / name).write_bytes(b"RIFF")
        conn.execute("INSERT INTO voicemail (call_id, caller, at, duration_s, path) "
                     "VALUES ('c', '+98912', ?, 3, ?)", (at, f"voicemail/{name}"))
    conn.close()


def _count(data_dir, table):
    conn = open_db(db_path(data_dir))
    try:
        return [r[0] for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    finally:
        conn.close()


def test_old_records_and_recordings_are_purged_and_the_purge_is_audited(tmp_path):
    _seed(tmp_path)
    purge = RetentionPurge(tmp_path, RetentionConfig(calls_days=30, voicemail_days=30,
                                                     messages_days=30), clock=lambda: NOW)
    removed = purge.run()
    assert removed["calls"] == 1 and removed["messages"] == 1 and removed["voicemail"] == 1
    conn = open_db(db_path(tmp_path))
    calls = [r[0] for r in conn.execute("SELECT call_id FROM calls ORDER BY id")]
    parts = conn.execute("SELECT COUNT(*) FROM message_parts").fetchone()[0]
    conn.close()
    assert calls == ["new", "running"]  # a call still in progress is never removed
    assert parts == 0  # the parts went with their message
    assert not (tmp_path / "voicemail" / "old.wav").exists()
    assert (tmp_path / "voicemail" / "new.wav").exists()
    (entry,) = AuditLog(db_path(tmp_path)).search(action="retention.purge")
    assert entry.actor == "system" and entry.details["calls"] == {"removed": 1, "days": 30}
    assert purge.run()["calls"] == 0  # nothing more to do


def test_zero_days_keeps_a_kind_forever(tmp_path):
    _seed(tmp_path)
    RetentionPurge(tmp_path, RetentionConfig(calls_days=0, messages_days=0,
                                             voicemail_days=0), clock=lambda: NOW).run()
    assert len(_count(tmp_path, "calls")) == 3 and len(_count(tmp_path, "messages")) == 2
    assert (tmp_path / "voicemail" / "old.wav").exists()


def test_a_recording_path_outside_the_data_dir_is_never_deleted(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    open_db(db_path(data)).execute(
        "INSERT INTO voicemail (call_id, caller, at, duration_s, path) "
        "VALUES ('c', '+98', ?, 3, '../precious.txt')", (OLD,))
    RetentionPurge(data, RetentionConfig(voicemail_days=30), clock=lambda: NOW).run()
    assert victim.read_text() == "keep me"


def test_the_job_purges_on_its_own_thread(tmp_path):
    _seed(tmp_path)
    job = RetentionJob(RetentionPurge(tmp_path, RetentionConfig(calls_days=30),
                                      clock=lambda: NOW), every_s=3600, first_s=0.01)
    job.start()
    try:
        import time
        deadline = time.monotonic() + 3
        while len(_count(tmp_path, "calls")) == 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        job.stop()
    assert len(_count(tmp_path, "calls")) == 2
