"""The audit log on a real SQLite file: entries, search, the hash chain's tamper
detection, append-only triggers and the logged purge."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from appliance.audit.log import AuditLog
from appliance.store.db import SCHEMA, db_path, open_db

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    now = [T0]
    def tick():
        now[0] += timedelta(minutes=1)
        return now[0]
    return tick


@pytest.fixture
def audit(tmp_path, clock):
    return AuditLog(db_path(tmp_path), clock=clock)


def _raw(tmp_path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path(tmp_path), isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")  # what someone with the file could do
    conn.execute("DROP TRIGGER audit_log_no_delete")
    return conn


def test_entries_are_recorded_and_searchable(audit):
    audit.record("sam", "customer.view", "+989121234567", "10.0.0.5", {"card": 7})
    audit.record("admin", "config.change", "dispatcher:anna", "10.0.0.9", {"lamp": 17})
    audit.record("sam", "calls.export", "calls.csv", "10.0.0.5", {"rows": 12})
    newest = audit.search()
    assert [e.action for e in newest] == ["calls.export", "config.change", "customer.view"]
    assert newest[2].details == {"card": 7} and newest[2].source_ip == "10.0.0.5"
    assert newest[2].at.startswith("2026-03-01T08:01")
    assert [e.action for e in audit.search(actor="sam")] == ["calls.export", "customer.view"]
    assert [e.target for e in audit.search(action="config")] == ["dispatcher:anna"]
    assert audit.search(actor="%") == []  # a wildcard typed in the box is a literal
    assert audit.verify().ok and audit.verify().checked == 3


def test_each_entry_carries_the_hash_of_the_one_before(audit):
    for i in range(3):
        audit.record("sam", "customer.view", f"c{i}")
    oldest_first = list(reversed(audit.search()))
    assert oldest_first[0].prev_hash == "0" * 64
    for before, entry in zip(oldest_first, oldest_first[1:]):
        assert entry.prev_hash == before.hash


def test_the_log_refuses_updates_and_deletes(audit, tmp_path):
    audit.record("sam", "customer.view", "c1")
    conn = open_db(db_path(tmp_path))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'nobody'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    conn.close()
    assert audit.search()[0].actor == "sam"


@pytest.mark.parametrize("tamper, reason", [
    ("UPDATE audit_log SET actor = 'nobody' WHERE id = 2", "the entry was changed"),
    ("UPDATE audit_log SET details = '{}' WHERE id = 3", "the entry was changed"),
    ("DELETE FROM audit_log WHERE id = 2", "an entry before it was removed or changed"),
    ("DELETE FROM audit_log WHERE id = 1", "entries at the start were removed"),
])
def test_tampering_with_the_file_is_detected(audit, tmp_path, tamper, reason):
    for i in range(4):
        audit.record("sam", "customer.view", f"c{i}", "10.0.0.5", {"n": i})
    conn = _raw(tmp_path)
    conn.execute(tamper)
    conn.close()
    report = audit.verify()
    assert not report.ok and reason in report.reason
    assert report.bad_id in (1, 2, 3)


def test_a_purge_keeps_the_chain_verifiable_and_is_itself_logged(audit, clock):
    for i in range(5):
        audit.record("sam", "customer.view", f"c{i}")
    removed = audit.purge_before(T0 + timedelta(minutes=3, seconds=30))  # entries 1-3
    assert removed == 3
    actions = [(e.action, e.target) for e in audit.search()]
    assert actions == [("audit.purged", "audit_log"), ("customer.view", "c4"),
                       ("customer.view", "c3")]
    assert audit.search()[0].details["removed"] == 3
    assert audit.verify().ok


@pytest.mark.parametrize("start", range(len(SCHEMA)))
def test_the_audit_table_arrives_from_every_earlier_schema(tmp_path, start):
    open_db(db_path(tmp_path), schema=SCHEMA[:start]).close()
    log = AuditLog(db_path(tmp_path))
    log.record("admin", "config.change", "lamps")
    assert log.verify().ok and log.search()[0].action == "config.change"
