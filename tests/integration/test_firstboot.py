"""First boot: callbox.toml on a sample boot partition is imported by the real CLI.

A "boot" is one run of the firstboot program against a boot-partition folder and a
data folder, as callbox-firstboot.service does on the box at every start.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from appliance.config.store import ConfigStore
from appliance.errors import ConfigError
from appliance.system.firstboot import Outcome, main, read_state, run_firstboot

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "firmware" / "callbox.toml"
CALLBOX = str(Path(sys.executable).with_name("callbox"))


@pytest.fixture
def boot(tmp_path: Path) -> Path:
    folder = tmp_path / "boot"
    folder.mkdir()
    (folder / "callbox.toml").write_bytes(TEMPLATE.read_bytes())
    return folder


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def boot_once(boot: Path, data: Path, capsys) -> str:
    assert main(["--boot", str(boot), "--data", str(data), "--callbox", CALLBOX]) == 0
    return capsys.readouterr().out.strip()


def rename_office(boot: Path, name: str) -> None:
    toml = boot / "callbox.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index('name = "', text.index("[office]"))
    end = text.index('"', start + len('name = "'))
    toml.write_text(text[:start] + f'name = "{name}"' + text[end + 1:], encoding="utf-8")


def test_first_boot_imports_the_template_then_later_boots_leave_it(boot, data, capsys):
    assert boot_once(boot, data, capsys) == "firstboot: imported"
    config = ConfigStore(data).load()
    assert config.office.name == "Taxi office"
    state_file = data / "firstboot.json"
    state = json.loads(state_file.read_text())
    assert state["last_import"]["sha256"] == state["last_attempt"]["sha256"]
    assert state["last_attempt"]["outcome"] == "imported"
    recorded = state_file.stat().st_mtime_ns

    assert boot_once(boot, data, capsys) == "firstboot: unchanged"
    assert state_file.stat().st_mtime_ns == recorded  # nothing written on a normal boot


def test_edited_file_is_imported_again_at_next_boot(boot, data, capsys):
    boot_once(boot, data, capsys)
    rename_office(boot, "Taxi Setareh")
    assert boot_once(boot, data, capsys) == "firstboot: imported"
    assert ConfigStore(data).load().office.name == "Taxi Setareh"


def test_invalid_file_is_refused_with_reason_and_old_config_kept(boot, data, capsys):
    boot_once(boot, data, capsys)
    good = read_state(data / "firstboot.json")["last_import"]
    text = (boot / "callbox.toml").read_text(encoding="utf-8")
    (boot / "callbox.toml").write_text(text.replace('language = "en"', 'language = "de"'))

    out = boot_once(boot, data, capsys)
    assert out.startswith("firstboot: refused")
    state = read_state(data / "firstboot.json")
    reason = state["last_attempt"]["reason"]
    assert state["last_attempt"]["outcome"] == "refused"
    assert "office.language" in reason and "de" in reason
    assert "callbox.toml.imported" not in reason  # names the file as the technician knows it
    assert state["last_import"] == good
    assert ConfigStore(data).load().office.language == "en"
    assert not (data / "callbox.toml.imported").exists() or \
        "de" not in (data / "callbox.toml.imported").read_text()

    # The same bad file at the next boot: still refused, same reason.
    assert boot_once(boot, data, capsys).startswith("firstboot: refused")
    # Fixed: imported.
    (boot / "callbox.toml").write_text(text.replace('language = "en"', 'language = "ru"'))
    assert boot_once(boot, data, capsys) == "firstboot: imported"
    assert ConfigStore(data).load().office.language == "ru"
    assert read_state(data / "firstboot.json")["last_attempt"]["reason"] == ""


def test_no_file_on_the_boot_partition_changes_nothing(tmp_path, data, capsys):
    assert boot_once(tmp_path, data, capsys) == "firstboot: absent"
    assert not (data / "firstboot.json").exists()


def test_staged_copy_keeps_secrets_private(boot, data, capsys):
    boot_once(boot, data, capsys)
    assert (data / "callbox.toml.imported").stat().st_mode & 0o077 == 0


# run_firstboot with in-process provisioners: the failure paths the CLI cannot produce.

def test_toml_syntax_error_is_a_refusal(boot, data):
    import tomllib

    def provision(path: Path) -> None:
        tomllib.loads("[office\n")
    result = run_firstboot(boot, data, provision)
    assert result.outcome is Outcome.REFUSED
    assert "not valid TOML" in result.reason


def test_broken_provisioning_is_recorded_and_retried(boot, data):
    calls = []

    def broken(path: Path) -> None:
        calls.append(path)
        raise OSError(28, "No space left on device")
    result = run_firstboot(boot, data, broken)
    assert result.outcome is Outcome.FAILED and "No space left" in result.reason
    assert read_state(data / "firstboot.json")["last_attempt"]["outcome"] == "failed"
    # Not a verdict on the file: the next boot tries again.
    assert run_firstboot(boot, data, broken).outcome is Outcome.FAILED
    assert len(calls) == 2


def test_provision_gets_the_same_bytes_as_were_hashed(boot, data):
    seen = []
    run_firstboot(boot, data, lambda path: seen.append(path.read_bytes()))
    assert seen == [TEMPLATE.read_bytes()]


def test_damaged_state_file_means_import_again(boot, data):
    (data / "firstboot.json").write_text("{not json")
    calls = []
    result = run_firstboot(boot, data, calls.append)
    assert result.outcome is Outcome.IMPORTED and len(calls) == 1


def test_config_error_reason_is_kept(boot, data):
    def refuse(path: Path) -> None:
        raise ConfigError("sip.listen", "port 70000 out of range (1-65535)")
    result = run_firstboot(boot, data, refuse, state_file=data / "state" / "fb.json")
    assert result.reason == "sip.listen: port 70000 out of range (1-65535)"
    assert read_state(data / "state" / "fb.json")["last_attempt"]["reason"] == result.reason


def test_module_runs_as_a_program(boot, data):
    # The exact command line of callbox-firstboot.service.
    done = subprocess.run([sys.executable, "-m", "appliance.system.firstboot", "--boot", str(boot),
                           "--data", str(data), "--callbox", CALLBOX],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "firstboot: imported" in done.stdout


def test_lamp_self_test_lights_each_configured_lamp_alone(boot, data, capsys):
    from gpiozero.pins.mock import MockFactory

    from appliance.system.firstboot import lamp_selftest
    boot_once(boot, data, capsys)
    factory = MockFactory()
    lit_together = []

    def sleep(_seconds: float) -> None:  # called while one lamp is lit
        lit_together.append(sorted(int(info.name.removeprefix("GPIO"))
                                   for info, pin in factory.pins.items() if pin.state))
    try:
        count = lamp_selftest(data, pin_factory=factory, sleep=sleep)
        # Template lamps: dispatchers 17 and 23, queue 22, line "sip" 12, status 5.
        assert count == 5
        assert sorted(p[0] for p in lit_together) == [5, 12, 17, 22, 23]
        assert all(len(p) == 1 for p in lit_together)
        assert not any(pin.state for pin in factory.pins.values())  # all off afterwards
    finally:
        factory.close()
