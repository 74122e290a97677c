"""The `callbox` command as a technician uses it: check, provision, refuse bad config, tokens."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "callbox.toml"


def callbox(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appliance", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout)


@pytest.fixture
def bad_toml(tmp_path) -> Path:
    text = EXAMPLE.read_text().replace('language = "fa"', 'language = "de"', 1)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


def test_check_config_accepts_the_example():
    result = callbox("check-config", str(EXAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout


def test_check_config_names_the_bad_key(bad_toml):
    result = callbox("check-config", str(bad_toml))
    assert result.returncode == 1
    assert "office.language" in result.stdout and "fa" in result.stdout


def test_core_refuses_to_start_on_invalid_config(bad_toml, tmp_path):
    result = callbox("core", "--config", str(bad_toml), "--data", str(tmp_path / "data"),
                     "--sip", "127.0.0.1:0")
    assert result.returncode == 2
    assert "invalid configuration" in result.stderr and "office.language" in result.stderr


def test_provision_then_the_stored_config_is_used(tmp_path):
    data = tmp_path / "data"
    result = callbox("provision", str(EXAMPLE), "--data", str(data))
    assert result.returncode == 0, result.stderr
    assert "Taxi Setareh" in result.stdout
    stored = json.loads((data / "config.json").read_text())
    assert "Taxi Setareh" in json.dumps(stored)
    assert (data / "config.json").stat().st_mode & 0o777 == 0o600


def test_provision_refuses_a_bad_file_and_keeps_the_old_config(bad_toml, tmp_path):
    data = tmp_path / "data"
    assert callbox("provision", str(EXAMPLE), "--data", str(data)).returncode == 0
    before = (data / "config.json").read_bytes()
    result = callbox("provision", str(bad_toml), "--data", str(data))
    assert result.returncode == 2 and "office.language" in result.stderr
    assert (data / "config.json").read_bytes() == before


def test_token_create_prints_a_token_the_api_accepts(tmp_path):
    from appliance.auth.users import UserStore
    data = tmp_path / "data"
    result = callbox("token", "create", "--role", "supervisor", "--data", str(data))
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert UserStore(data).check_token(token) == "supervisor"
    assert UserStore(data).check_token(token + "x") is None


def test_user_add_twice_resets_the_password(tmp_path):
    from appliance.auth.users import UserStore
    data = tmp_path / "data"
    assert callbox("user", "add", "mina", "--role", "dispatcher", "--password", "first-pw",
                   "--data", str(data)).returncode == 0
    assert callbox("user", "add", "mina", "--role", "supervisor", "--password", "second-pw",
                   "--data", str(data)).returncode == 0
    users = UserStore(data)
    assert users.verify("mina", "first-pw") is None
    assert users.verify("mina", "second-pw") == "supervisor"
