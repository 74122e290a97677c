"""HealthProbe against a fake sysfs/procfs tree and a fake vcgencmd."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from appliance.system.health import ALARM_TEXT, HealthProbe


def vcgencmd(stdout: str, returncode: int = 0):
    calls = []

    def run(argv, **kwargs):
        calls.append(argv)
        return subprocess.CompletedProcess(argv, returncode, stdout=stdout, stderr="")
    run.calls = calls
    return run


def no_vcgencmd(argv, **kwargs):
    raise FileNotFoundError(argv[0])


def put(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    put(root, "sys/class/thermal/thermal_zone0/temp", "48312\n")
    put(root, "proc/uptime", "3725.42 7000.10\n")
    return root


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    return data


def dev_of(path: Path) -> str:
    st = os.stat(path)
    return f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"


def test_healthy_pi_reports_values_and_no_alarms(tree, data_dir):
    put(tree, f"sys/dev/block/{dev_of(data_dir)}/stat",
        "  4026   0  305410  1880  1234  0  20480  9100  0  5120  10980 0 0 0 0\n")
    report = HealthProbe(data_dir, tree, run=vcgencmd("throttled=0x0\n"), version="1.2.3").read()
    assert report["cpu_temp_c"] == 48.3
    assert report["uptime_s"] == 3725.42
    assert report["version"] == "1.2.3"
    assert report["bytes_written_since_boot"] == 20480 * 512
    assert report["throttled"]["raw"] == "0x0"
    assert report["throttled"]["undervoltage_now"] is False
    disk = report["data_disk"]
    assert disk["total"] > 0 and 0 <= disk["used"] <= disk["total"] and disk["free"] > 0
    assert report["alarms"] == []


def test_undervoltage_and_throttling_decoded_and_alarmed(tree, data_dir):
    run = vcgencmd("throttled=0x50005\n")
    report = HealthProbe(data_dir, tree, run=run, version="x").read()
    t = report["throttled"]
    assert run.calls == [["vcgencmd", "get_throttled"]]
    assert t["raw"] == "0x50005"
    assert t["undervoltage_now"] and t["throttled_now"] and t["undervoltage_seen"]
    assert t["throttled_seen"] and not t["freq_capped_now"] and not t["soft_temp_limit_seen"]
    assert report["alarms"] == ["undervoltage_now", "throttled_now"]


def test_undervoltage_earlier_since_boot_is_its_own_alarm(tree, data_dir):
    report = HealthProbe(data_dir, tree, run=vcgencmd("throttled=0x10000"), version="x").read()
    assert report["alarms"] == ["undervoltage_seen"]
    assert all(code in ALARM_TEXT for code in report["alarms"])


def test_sysfs_throttled_word_preferred_over_vcgencmd(tree, data_dir):
    put(tree, "sys/devices/platform/soc/soc:firmware/get_throttled", "50000\n")
    run = vcgencmd("throttled=0x0")
    report = HealthProbe(data_dir, tree, run=run, version="x").read()
    assert run.calls == []
    assert report["throttled"]["undervoltage_seen"] is True
    assert report["throttled"]["undervoltage_now"] is False


def test_hot_cpu_alarm(tree, data_dir):
    put(tree, "sys/class/thermal/thermal_zone0/temp", "81000\n")
    report = HealthProbe(data_dir, tree, run=no_vcgencmd, version="x").read()
    assert report["cpu_temp_c"] == 81.0
    assert report["alarms"] == ["cpu_hot"]


def test_pi5_without_vcgencmd_uses_rpi_volt_hwmon(tree, data_dir):
    put(tree, "sys/class/hwmon/hwmon0/name", "cpu_thermal\n")
    put(tree, "sys/class/hwmon/hwmon1/name", "rpi_volt\n")
    put(tree, "sys/class/hwmon/hwmon1/in0_lcrit_alarm", "1\n")
    report = HealthProbe(data_dir, tree, run=no_vcgencmd, version="x").read()
    assert report["throttled"] == {"raw": None, "source": "hwmon", "undervoltage_now": True}
    assert report["alarms"] == ["undervoltage_now"]


def test_vm_without_any_source_gives_nones_not_errors(tmp_path, data_dir):
    report = HealthProbe(data_dir, tmp_path / "empty", run=no_vcgencmd, version="x").read()
    assert report["cpu_temp_c"] is None
    assert report["throttled"] is None
    assert report["uptime_s"] is None
    assert report["bytes_written_since_boot"] is None
    assert report["alarms"] == []


def test_failing_vcgencmd_is_ignored(tree, data_dir):
    run = vcgencmd("VCHI initialization failed", returncode=255)
    assert HealthProbe(data_dir, tree, run=run, version="x").read()["throttled"] is None


def test_bytes_written_from_proc_diskstats_when_sysfs_lacks_the_device(tree, data_dir):
    put(tree, "proc/diskstats",
        " 179       0 mmcblk0 100 0 800 10 50 0 400 20 0 30 30\n"
        " 179       3 mmcblk0p3 90 1 700 10 40 2 3000 20 0 30 30\n")
    probe = HealthProbe(data_dir, tree, run=no_vcgencmd, version="x", data_device=(179, 3))
    assert probe.read()["bytes_written_since_boot"] == 3000 * 512


def test_missing_data_dir_is_an_alarm(tree, tmp_path):
    report = HealthProbe(tmp_path / "not-mounted", tree, run=no_vcgencmd, version="x").read()
    assert report["data_disk"] is None
    assert "data_disk_missing" in report["alarms"]


def test_real_machine_read_does_not_fail(data_dir):
    # The demo runs the probe on whatever laptop it is on.
    report = HealthProbe(data_dir).read()
    assert report["uptime_s"] and report["uptime_s"] > 0
    assert isinstance(report["alarms"], list)


def test_nearly_full_data_partition_is_an_alarm():
    from appliance.system.health import alarms
    report = {"data_disk": {"total": 1000, "used": 950, "free": 50}, "cpu_temp_c": 40.0}
    assert alarms(report) == ["data_disk_full"]
    report["data_disk"]["used"] = 800
    assert alarms(report) == []


def test_serial_ports_listed_by_stable_name(tree, data_dir):
    by_id = tree / "dev/serial/by-id"
    by_id.mkdir(parents=True)
    for name in ("usb-Quectel_EC25-if02-port0", "usb-Quectel_EC25-if01-port0"):
        (by_id / name).symlink_to("../../ttyUSB0")
    report = HealthProbe(data_dir, tree, run=no_vcgencmd, version="x").read()
    assert report["serial_ports"] == ["/dev/serial/by-id/usb-Quectel_EC25-if01-port0",
                                      "/dev/serial/by-id/usb-Quectel_EC25-if02-port0"]


def test_no_serial_ports_is_an_empty_list(tree, data_dir):
    assert HealthProbe(data_dir, tree, run=no_vcgencmd, version="x").read()["serial_ports"] == []
