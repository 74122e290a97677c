"""`callbox user …` and `callbox token …` as a technician runs them over ssh or a script:
list, remove, revoke, and one clear line (never a traceback) when something is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from appliance.auth import UserStore

ROOT = Path(__file__).resolve().parents[2]


def callbox(*args: str, stdin: str | None = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appliance", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=30, input=stdin)


def test_users_are_added_listed_unlocked_and_removed(tmp_path):
    data = str(tmp_path)
    added = callbox("user", "add", "ali", "--role", "dispatcher", "--dispatcher", "Ali",
                    "--password", "pa55word", "--data", data)
    assert added.returncode == 0, added.stderr
    UserStore(tmp_path).update_user("ali", locked=True)
    listed = callbox("user", "list", "--data", data)
    assert "ali" in listed.stdout and "dispatcher=Ali" in listed.stdout
    assert "locked" in listed.stdout
    assert callbox("user", "unlock", "ali", "--data", data).returncode == 0
    assert UserStore(tmp_path).account("ali")["locked"] is False
    assert callbox("user", "remove", "ali", "--data", data).returncode == 0
    assert UserStore(tmp_path).users() == []
    again = callbox("user", "remove", "ali", "--data", data)
    assert again.returncode == 1 and "no user named 'ali'" in again.stderr
    assert "Traceback" not in again.stderr


def test_tokens_are_listed_and_revoked(tmp_path):
    data = str(tmp_path)
    token = callbox("token", "create", "--role", "supervisor", "--label", "wallboard",
                    "--data", data).stdout.strip()
    store = UserStore(tmp_path)
    assert store.check_token(token) == "supervisor"
    (listed,) = store.tokens()
    shown = callbox("token", "list", "--data", data).stdout
    assert listed["id"] in shown and "wallboard" in shown and token not in shown
    assert callbox("token", "revoke", listed["id"], "--data", data).returncode == 0
    assert store.check_token(token) is None
    gone = callbox("token", "revoke", listed["id"], "--data", data)
    assert gone.returncode == 1 and "Traceback" not in gone.stderr


def test_no_terminal_and_no_password_is_a_clear_refusal(tmp_path):
    result = callbox("user", "add", "ali", "--role", "admin", "--data", str(tmp_path),
                     stdin=None)
    assert result.returncode == 1
    assert "give --password" in result.stderr and "Traceback" not in result.stderr
    short = callbox("user", "add", "ali", "--role", "admin", "--password", "abc",
                    "--data", str(tmp_path))
    assert short.returncode == 1 and "at least 8 characters" in short.stderr


def test_a_damaged_users_file_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "users.json").write_text("{not json")
    result = callbox("user", "list", "--data", str(tmp_path))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "users.json" in result.stderr


def test_backup_from_the_command_line_and_a_refused_restore(tmp_path):
    data, stick = tmp_path / "data", tmp_path / "usb"
    UserStore(data).add_user("sam", "pa55word", "supervisor")
    (tmp_path / "pass").write_text("correct horse battery\n")
    made = callbox("backup", "create", "--out", str(stick), "--passphrase-file",
                   str(tmp_path / "pass"), "--data", str(data))
    assert made.returncode == 0, made.stderr
    (archive,) = stick.glob("callbox-*.cbx")
    assert archive.name in made.stdout
    UserStore(data).remove_user("sam")
    wrong = callbox("backup", "restore", str(archive), "--data", str(data))
    assert wrong.returncode == 1 and "give its passphrase" in wrong.stderr
    assert "Traceback" not in wrong.stderr and UserStore(data).users() == []
    right = callbox("backup", "restore", str(archive), "--passphrase-file",
                    str(tmp_path / "pass"), "--data", str(data))
    assert right.returncode == 0, right.stderr
    assert UserStore(data).verify("sam", "pa55word") == "supervisor"
