"""The technician's health page: the box (a fake sysfs tree read by the real
HealthProbe), the core's lines and alarms, and a refused callbox.toml, loudly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appliance.errors import ConfigError
from appliance.system.firstboot import run_firstboot
from appliance.system.health import HealthProbe

GSM_LINE = {"name": "gsm1", "kind": "gsm", "state": "up", "sim": "ready",
            "registration": "home", "signal_dbm": -71, "operator": "MCI",
            "balance": "9,500 Rial", "alarm": "", "profile": "quectel"}
NO_SIM = {"name": "gsm2", "kind": "gsm", "state": "no-sim", "sim": "absent",
          "registration": "unknown", "signal_dbm": None, "operator": "", "balance": "",
          "alarm": ""}


def _sysfs(root: Path, temp_millic: int, throttled: str) -> None:
    (root / "sys/class/thermal/thermal_zone0").mkdir(parents=True)
    (root / "sys/class/thermal/thermal_zone0/temp").write_text(f"{temp_millic}\n")
    (root / "sys/devices/platform/soc/soc:firmware").mkdir(parents=True)
    (root / "sys/devices/platform/soc/soc:firmware/get_throttled").write_text(throttled)
    (root / "proc").mkdir()
    (root / "proc/uptime").write_text("273900.25 1000.0\n")  # 3 days 4 hours 5 minutes
    (root / "sys/dev/block/179:2").mkdir(parents=True)
    (root / "sys/dev/block/179:2/stat").write_text("1 2 3 4 5 6 2048000 8 9 10 11\n")


def _no_vcgencmd(argv, **kwargs):
    raise FileNotFoundError(argv[0])  # the sysfs word is there: never needed


@pytest.fixture
def health_app(data_dir, tmp_path, make_app):
    """make(temp_millic, throttled_hex) -> an app whose probe reads a fake box."""
    def make(temp_millic: int = 48500, throttled: str = "0"):
        root = tmp_path / "fakeroot"
        _sysfs(root, temp_millic, throttled)
        probe = HealthProbe(data_dir, sysfs_root=root, run=_no_vcgencmd, version="1.2.3",
                            data_device=(179, 2))
        return make_app(health=probe)
    return make


@pytest.fixture
def technician(health_app, users, login, password):
    def make(lang: str = "en", **probe):
        users.add_user("tina", password, "technician")
        client = health_app(**probe).test_client()
        assert login(client, "tina").status_code == 302
        client.get(f"/lang/{lang}")
        return client
    return make


def _refuse(data_dir: Path, boot: Path) -> None:
    """Let the real first-boot import refuse a bad callbox.toml (writes firstboot.json)."""
    boot.mkdir()
    (boot / "callbox.toml").write_text("[[gsm]]\nport = '/dev/ttyUSB9'\n")

    def provision(path: Path) -> None:
        raise ConfigError("gsm[0].name", "missing (every [[gsm]] needs a name)")
    assert run_firstboot(boot, data_dir, provision).outcome == "refused"


def test_api_health_reports_box_core_and_last_import(technician, core, control_server,
                                                     data_dir, tmp_path):
    core.status["lines"] = [GSM_LINE, NO_SIM]
    core.status["alarms"] = [{"source": "gsm2", "message": "SIM missing"}]
    _refuse(data_dir, tmp_path / "boot")
    report = technician(temp_millic=81234, throttled="0x50005").get("/api/health").json
    system = report["system"]
    assert system["cpu_temp_c"] == 81.2
    assert system["throttled"]["undervoltage_now"] is True
    assert system["bytes_written_since_boot"] == 2048000 * 512
    assert system["alarms"] == ["undervoltage_now", "throttled_now", "cpu_hot"]
    assert report["core"] == {"up": True, "version": "1.2.3", "lines": [GSM_LINE, NO_SIM],
                              "alarms": [{"source": "gsm2", "message": "SIM missing"}],
                              "capacity": {"total": 8, "used": 1}}
    firstboot = report["firstboot"]
    assert firstboot["outcome"] == "refused"
    assert firstboot["reason"] == "gsm[0].name: missing (every [[gsm]] needs a name)"
    assert firstboot["last_import_at"] == ""


def test_page_shows_a_refused_config_first_and_the_lines(technician, core, control_server,
                                                         data_dir, tmp_path):
    core.status["lines"] = [GSM_LINE, NO_SIM]
    _refuse(data_dir, tmp_path / "boot")
    html = technician().get("/health").get_data(as_text=True)
    banner = re.search(r'<div id="firstboot-banner".*?</div>', html, re.S).group(0)
    assert "callbox.toml was refused" in banner
    assert "gsm[0].name: missing (every [[gsm]] needs a name)" in banner
    assert html.index("firstboot-banner") < html.index("This box")  # above everything else
    assert "-71 dBm" in html and "MCI" in html and "9,500 Rial" in html
    assert "No SIM" in html and "missing" in html
    assert "Calls in use" in html and "3 d 4 h" in html and "48.5 °C" in html
    assert "No alarms." in html
    assert 'id="core-banner"' not in html


def test_core_down_still_shows_the_box_with_a_banner(technician, control_server):
    control_server.stop()
    client = technician(throttled="0x50000")  # under-voltage seen since boot
    page = client.get("/health")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="core-banner"' in html and "The call system is not running" in html
    assert "Power supply dipped since boot" in html and "48.5 °C" in html
    assert "No import recorded yet." in html
    report = client.get("/api/health").json
    assert report["core"]["up"] is False and report["core"]["message"]
    assert report["system"]["alarms"] == ["undervoltage_seen"]
    assert report["firstboot"] is None


def test_persian_health_page(technician, core, control_server):
    core.status["lines"] = [GSM_LINE]
    html = technician("fa", temp_millic=85000).get("/health").get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert "۸۵٫۰ °C" in html and "دمای پردازنده ۸۰ درجه یا بیشتر است" in html  # cpu_hot
    assert "-۷۱ dBm" in html and "خانگی" in html
    assert "۳ روز ۴ ساعت" in html


def test_only_technicians_and_admins(health_app, users, control_server):
    client = health_app().test_client()
    for role, allowed in [("dispatcher", False), ("supervisor", False), ("technician", True),
                          ("admin", True)]:
        auth = {"Authorization": f"Bearer {users.create_token(role)}"}
        page, api = client.get("/health", headers=auth), client.get("/api/health", headers=auth)
        assert (page.status_code, api.status_code) == ((200, 200) if allowed else (403, 403))
        if not allowed:
            assert "cannot open this page" in page.get_data(as_text=True)  # a page, not JSON
            assert api.json["error"] == "forbidden"
        live = client.get("/", headers=auth).get_data(as_text=True)
        assert ('href="/health"' in live) is allowed, role  # offered only to those who may
        # customers' messages: not for technicians (docs/security.md)
        assert ('href="/messages"' in live) is (role != "technician"), role
