"""open_db: the settings the call log relies on, the column contract, migrations, iso()."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from appliance.errors import StoreError
from appliance.store.db import SCHEMA, db_path, iso, open_db, parse_iso

CONTRACT = ["id", "call_id", "direction", "line", "caller", "caller_raw", "callee",
            "started_at", "answered_at", "ended_at", "ivr_path", "queue", "wait_s",
            "dispatcher", "disposition", "hangup_cause"]


def test_a_new_database_has_the_calls_contract_and_durable_settings(tmp_path):
    path = db_path(tmp_path / "data")
    assert path.name == "callbox.sqlite3"
    conn = open_db(path)
    assert [r["name"] for r in conn.execute("PRAGMA table_info(calls)")] == CONTRACT
    indexed = {r["name"] for r in conn.execute("PRAGMA index_list(calls)")}
    assert {"calls_started_at", "calls_caller", "calls_dispatcher"} <= indexed
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(SCHEMA)
    conn.close()


def insert_call(conn, call_id="c1"):
    conn.execute("INSERT INTO calls (call_id, direction, line, caller, caller_raw, started_at)"
                 " VALUES (?, 'in', 'sip', '+989121234567', '09121234567', ?)",
                 (call_id, iso(datetime.now(timezone.utc))))


def test_readonly_connection_reads_but_cannot_write(tmp_path):
    path = db_path(tmp_path)
    writer = open_db(path)
    insert_call(writer)
    reader = open_db(path, readonly=True)
    row = reader.execute("SELECT * FROM calls").fetchone()
    assert row["caller"] == "+989121234567" and row["ivr_path"] == "" and row["callee"] == ""
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        insert_call(reader, "c2")


def test_the_web_reads_while_the_core_holds_a_write_transaction(tmp_path):
    path = db_path(tmp_path)
    writer, reader = open_db(path), open_db(path, readonly=True)
    insert_call(writer, "c1")
    writer.execute("BEGIN IMMEDIATE")
    insert_call(writer, "c2")
    # WAL: the reader sees the committed state at once, without waiting for the lock.
    assert [r[0] for r in reader.execute("SELECT call_id FROM calls")] == ["c1"]
    writer.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM calls").fetchone()[0] == 2


def test_readonly_open_of_a_fresh_file_creates_the_schema(tmp_path):
    reader = open_db(db_path(tmp_path), readonly=True)  # the web may start before the core
    assert reader.execute("SELECT count(*) FROM calls").fetchone()[0] == 0


def test_a_new_schema_step_is_applied_once_and_keeps_the_data(tmp_path):
    path = db_path(tmp_path)
    conn = open_db(path)
    insert_call(conn)
    conn.close()
    step = ("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)",)
    conn = open_db(path, schema=SCHEMA + (step,))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(SCHEMA) + 1
    assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 1
    conn.close()
    open_db(path, schema=SCHEMA + (step,)).close()  # CREATE TABLE again would fail


def test_a_database_from_a_newer_callbox_is_refused(tmp_path):
    path = db_path(tmp_path)
    open_db(path, schema=SCHEMA + (("CREATE TABLE later (x)",),)).close()
    with pytest.raises(StoreError, match="newer than this callbox"):
        open_db(path)


def test_iso_is_utc_with_microseconds_and_z_and_sorts_as_text():
    tehran = timezone(timedelta(hours=3, minutes=30))
    t = datetime(2026, 11, 27, 3, 10, 1, 123456, tzinfo=tehran)
    assert iso(t) == "2026-11-26T23:40:01.123456Z"
    assert iso(t.replace(microsecond=0)) == "2026-11-26T23:40:01.000000Z"
    assert parse_iso(iso(t)) == t
    later = t + timedelta(microseconds=1)
    assert iso(later) > iso(t)
    with pytest.raises(ValueError):
        iso(datetime(2026, 1, 1))
