"""ConfigStore: provision once from callbox.toml, load everywhere; secrets apart; migrations."""

import hashlib
import json
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from appliance.config.loader import load_toml
from appliance.config.model import Config
from appliance.config.store import ConfigStore
from appliance.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "callbox.toml"
NOW = datetime(2026, 11, 26, 23, 40, 1, 123456, tzinfo=timezone.utc)

WITH_SECRETS = """
[[sip.trunk]]
name = "trunk1"
registrar = "sip:sip.provider.example"
username = "9821"
password = "s3cret-trunk"

[[gsm]]
name = "gsm1"
port = "/dev/serial/by-id/usb-Quectel"
pin = "4321"
"""


def store(tmp_path, **kwargs) -> ConfigStore:
    return ConfigStore(tmp_path / "data", clock=lambda: NOW, **kwargs)


def test_nothing_provisioned_loads_the_defaults(tmp_path):
    with store(tmp_path) as s:
        assert s.load() == Config()
        assert s.source_hash() is None


def test_provision_stores_what_load_returns_with_hash_and_time(tmp_path):
    with store(tmp_path) as s:
        cfg = s.provision(EXAMPLE)
        assert cfg == load_toml(EXAMPLE)
    with store(tmp_path) as s:  # another process, later
        assert s.load() == cfg
        assert s.source_hash() == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
        assert s.meta()["imported_at"] == "2026-11-26T23:40:01.123456Z"
        assert s.meta()["schema_version"] == 1
    path = tmp_path / "data" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_secrets_are_kept_in_a_0600_file_not_in_config_json(tmp_path):
    toml = tmp_path / "callbox.toml"
    toml.write_text(WITH_SECRETS)
    with store(tmp_path) as s:
        s.provision(toml)
        cfg = s.load()
    assert cfg.sip.trunk[0].password == "s3cret-trunk" and cfg.gsm[0].pin == "4321"
    data = tmp_path / "data"
    config_text = (data / "config.json").read_text()
    assert "s3cret-trunk" not in config_text and "4321" not in config_text
    assert "9821" in config_text  # the user name is not a secret
    assert json.loads((data / "secrets.json").read_text())["sip.trunk"] == {
        "trunk1": {"password": "s3cret-trunk"}}
    assert stat.S_IMODE((data / "secrets.json").stat().st_mode) == 0o600


def test_reprovisioning_drops_secrets_of_removed_lines(tmp_path):
    toml = tmp_path / "callbox.toml"
    toml.write_text(WITH_SECRETS)
    with store(tmp_path) as s:
        s.provision(toml)
        toml.write_text('[office]\nname = "No lines"\n')
        s.provision(toml)
        assert s.load().office.name == "No lines"
    assert "s3cret" not in (tmp_path / "data" / "secrets.json").read_text()


def test_a_bad_file_is_refused_and_the_stored_config_stays(tmp_path):
    toml = tmp_path / "callbox.toml"
    with store(tmp_path) as s:
        s.provision(EXAMPLE)
        before = s.source_hash()
        toml.write_text('[office]\nlanguage = "de"\n')
        with pytest.raises(ConfigError) as info:
            s.provision(toml)
        assert info.value.key == "office.language"
        assert s.source_hash() == before
        assert s.load() == load_toml(EXAMPLE)


def test_a_damaged_config_json_fails_loudly_instead_of_loading_defaults(tmp_path):
    with store(tmp_path) as s:
        s.provision(EXAMPLE)
    path = tmp_path / "data" / "config.json"
    path.write_bytes(path.read_bytes()[:100])  # what a bad SD card might leave
    with store(tmp_path) as s, pytest.raises(ConfigError, match="damaged"):
        s.load()


def write_v1_doc(tmp_path, config: dict) -> Path:
    """A config.json as a version-1 callbox would have stored it."""
    path = tmp_path / "data" / "config.json"
    path.parent.mkdir(parents=True)
    doc = {"schema_version": 1, "source_sha256": "ab" * 32, "source_path": "/boot/callbox.toml",
           "imported_at": "2026-01-01T00:00:00.000000Z", "config": config}
    path.write_text(json.dumps({"config": {"1": doc}}))
    return path


def test_an_old_document_is_migrated_once_and_saved(tmp_path):
    calls = []

    def _migrate_1_to_2(cfg: dict) -> dict:  # v1 called the office name "title"
        calls.append(1)
        cfg["office"]["name"] = cfg["office"].pop("title")
        return cfg

    path = write_v1_doc(tmp_path, {"office": {"title": "Old Taxi", "language": "fa"}})
    with store(tmp_path, migrations=[_migrate_1_to_2]) as s:
        assert s.schema_version == 2
        assert s.load().office.name == "Old Taxi"
        assert s.load().office.language == "fa"
        assert s.source_hash() == "ab" * 32
    assert calls == [1]
    saved = json.loads(path.read_text())["config"]["1"]
    assert saved["schema_version"] == 2 and saved["config"]["office"]["name"] == "Old Taxi"


def test_a_document_from_a_newer_callbox_is_refused(tmp_path):
    path = write_v1_doc(tmp_path, {})
    doc = json.loads(path.read_text())
    doc["config"]["1"]["schema_version"] = 7
    path.write_text(json.dumps(doc))
    with store(tmp_path) as s, pytest.raises(ConfigError, match="newer than this callbox"):
        s.load()
