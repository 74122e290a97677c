"""Backup and restore on a real data directory: a round trip keeps every record and
file; a corrupt, truncated, foreign, newer or wrongly-unlocked archive is refused with
the reason and changes nothing."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from appliance.audit.log import AuditLog
from appliance.auth import UserStore
from appliance.backup.archive import create_backup
from appliance.backup.restore import BackupError, restore_backup
from appliance.store.db import db_path, open_db


def _fill(data_dir):
    conn = open_db(db_path(data_dir))
    for i in range(50):
        conn.execute("INSERT INTO calls (call_id, direction, line, caller, caller_raw, "
                     "started_at, ended_at) VALUES (?, 'in', 'gsm1', ?, ?, ?, ?)",
                     (f"c{i}", f"+98912000{i:04d}", f"0912000{i:04d}",
                      f"2026-03-01T08:{i % 60:02d}:00.000000Z", "2026-03-01T09:00:00.000000Z"))
    conn.close()
    AuditLog(db_path(data_dir)).record("sam", "customer.view", "+989120000001", "10.0.0.5")
    UserStore(data_dir).add_user("sam", "pa55word", "supervisor", dispatcher="anna")
    (data_dir / "prompts").mkdir()
    (data_dir / "prompts" / "welcome-fa.wav").write_bytes(b"RIFF" + bytes(range(256)) * 40)
    (data_dir / "voicemail").mkdir()
    (data_dir / "voicemail" / "c1.wav").write_bytes(b"RIFF-voicemail")
    (data_dir / "run").mkdir()
    (data_dir / "run" / "core.sock").write_text("not a socket")  # never in a backup


def _state(data_dir) -> dict:
    conn = open_db(db_path(data_dir))
    try:
        calls = [tuple(r) for r in conn.execute("SELECT * FROM calls ORDER BY id")]
        audit = [tuple(r) for r in conn.execute("SELECT * FROM audit_log ORDER BY id")]
    finally:
        conn.close()
    files = {p.relative_to(data_dir).as_posix(): p.read_bytes()
             for p in sorted(data_dir.rglob("*")) if p.is_file() and "sqlite3" not in p.name}
    return {"calls": calls, "audit": audit, "files": files}


@pytest.fixture
def box(tmp_path):
    data = tmp_path / "box"
    data.mkdir()
    _fill(data)
    return data


def _backup(box, tmp_path, passphrase=None):
    path = tmp_path / "backup.cbx"
    with open(path, "wb") as out:
        manifest = create_backup(box, out, passphrase)
    return path, manifest


@pytest.mark.parametrize("passphrase", [None, "correct horse battery"])
def test_a_round_trip_keeps_every_record_and_file(box, tmp_path, passphrase):
    path, manifest = _backup(box, tmp_path, passphrase)
    assert "files/run/core.sock" not in manifest["files"]
    before = _state(box)
    fresh = tmp_path / "new-box"
    fresh.mkdir()
    restore_backup(fresh, path, passphrase)
    after = _state(fresh)
    assert after["calls"] == before["calls"] and len(after["calls"]) == 50
    assert after["audit"] == before["audit"] and AuditLog(db_path(fresh)).verify().ok
    assert {k: v for k, v in after["files"].items() if not k.startswith("run/")} == {
        k: v for k, v in before["files"].items() if not k.startswith("run/")}
    assert UserStore(fresh).verify("sam", "pa55word") == "supervisor"
    if passphrase:
        assert b"+98912" not in path.read_bytes()  # nothing readable without the passphrase


def test_restore_over_a_changed_box_brings_the_records_back(box, tmp_path):
    path, _ = _backup(box, tmp_path)
    before = _state(box)
    conn = open_db(db_path(box))
    conn.execute("DELETE FROM calls WHERE id > 10")
    conn.close()
    (box / "prompts" / "welcome-fa.wav").write_bytes(b"broken")
    restore_backup(box, path)
    assert _state(box)["calls"] == before["calls"]
    assert (box / "prompts" / "welcome-fa.wav").read_bytes() == before["files"]["prompts/welcome-fa.wav"]


def _rewrite_manifest(path, out, change):
    with tarfile.open(path, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize("spoil, reason", [
    ("truncate", "truncated"),
    ("flip", "damaged"),
    ("foreign", "not a callbox backup"),
    ("empty", "empty"),
    ("newer", "newer callbox"),
    ("newer_schema", "database is newer"),
    ("wrong_hash", "does not match its checksum"),
])
def test_a_bad_archive_is_refused_with_the_reason_and_changes_nothing(box, tmp_path, spoil,
                                                                      reason):
    path, _ = _backup(box, tmp_path)
    raw = path.read_bytes()
    bad = tmp_path / "bad.cbx"
    if spoil == "truncate":
        bad.write_bytes(raw[: len(raw) * 2 // 3])
    elif spoil == "flip":
        bad.write_bytes(raw[:len(raw) // 2] + bytes([raw[len(raw) // 2] ^ 0xFF]) + raw[len(raw) // 2 + 1:])
    elif spoil == "foreign":
        bad.write_bytes(b"PK\x03\x04 a zip file from somewhere else")
    elif spoil == "empty":
        bad.write_bytes(b"")
    elif spoil == "newer":
        _rewrite_manifest(path, bad, lambda m: m.update(format_version=99))
    elif spoil == "newer_schema":
        _rewrite_manifest(path, bad, lambda m: m.update(schema_version=999))
    else:
        _rewrite_manifest(path, bad, lambda m: m["files"]["files/users.json"].update(sha256="0" * 64))
    conn = open_db(db_path(box))
    conn.execute("DELETE FROM calls WHERE id > 10")  # the box moved on since the backup
    conn.close()
    before = _state(box)
    with pytest.raises(BackupError, match=reason):
        restore_backup(box, bad)
    assert _state(box) == before
    assert not [p for p in box.iterdir() if p.name.startswith(".restore-")]


def test_an_encrypted_archive_needs_the_right_passphrase(box, tmp_path):
    path, _ = _backup(box, tmp_path, "correct horse battery")
    before = _state(box)
    with pytest.raises(BackupError, match="give its passphrase"):
        restore_backup(box, path)
    with pytest.raises(BackupError, match="wrong passphrase"):
        restore_backup(box, path, "wrong horse")
    raw = path.read_bytes()
    cut = tmp_path / "cut.cbx"
    cut.write_bytes(raw[:-100])
    with pytest.raises(BackupError, match="truncated|damaged"):
        restore_backup(box, cut, "correct horse battery")
    assert _state(box) == before


def test_a_foreign_tar_with_odd_paths_is_refused(box, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        data = b"owned"
        info = tarfile.TarInfo("../../etc/passwd")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="not a callbox backup"):
        restore_backup(box, evil)
    assert not (tmp_path.parent / "etc").exists()


def test_scheduled_backups_go_to_the_stick_and_only_the_newest_are_kept(box, tmp_path):
    from datetime import datetime, timedelta, timezone

    from appliance.backup.schedule import backup_to_dir
    stick = tmp_path / "usb"
    start = datetime(2026, 3, 1, 3, 0, tzinfo=timezone.utc)
    for day in range(4):
        backup_to_dir(box, stick, None, keep=2, now=start + timedelta(days=day))
    assert sorted(p.name for p in stick.iterdir()) == ["callbox-20260303-030000.cbx",
                                                       "callbox-20260304-030000.cbx"]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    restore_backup(fresh, stick / "callbox-20260304-030000.cbx")
    assert len(_state(fresh)["calls"]) == 50


def test_a_missing_stick_is_logged_and_the_job_goes_on(box, tmp_path, caplog):
    from appliance.backup.schedule import BackupJob
    from appliance.config.model import BackupConfig
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the stick should be mounted")
    results = []
    job = BackupJob(box, BackupConfig(dir=str(blocker / "sub")),
                    on_done=lambda path, error: results.append((path, error)))
    assert job.run_once() is None
    assert results[0][0] is None and results[0][1]
    assert "scheduled backup to" in caplog.text
