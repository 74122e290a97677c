"""System health for the technician page: temperature, power, flash wear, uptime.

Everything is read from files under ``sysfs_root`` (so tests use a fake tree) and from
``vcgencmd`` through the injected ``run``. A missing source gives ``None``, never an
error: the page must render on a Pi 3, a Pi 5, a VM and a laptop running the demo.
Modem signals and trunk registration come from the core's live state, not from here.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from appliance.i18n import N_

log = logging.getLogger("callbox.system.health")

SECTOR_BYTES = 512  # /sys/block/*/stat and /proc/diskstats count 512-byte sectors
HOT_C = 80.0  # the Pi firmware starts soft throttling here
DISK_FULL_RATIO = 0.90

# Bits of `vcgencmd get_throttled` (Raspberry Pi firmware documentation).
THROTTLE_BITS = {
    "undervoltage_now": 0,
    "freq_capped_now": 1,
    "throttled_now": 2,
    "soft_temp_limit_now": 3,
    "undervoltage_seen": 16,
    "freq_capped_seen": 17,
    "throttled_seen": 18,
    "soft_temp_limit_seen": 19,
}

# Alarm codes are stable (the web translates them); this is the English wording.
# code -> msgid (English; the web translates it, filling in ALARM_PARAMS)
ALARM_TEXT = {
    "undervoltage_now": N_("Power supply too weak right now (under-voltage)"),
    "undervoltage_seen": N_("Power supply dipped since boot (under-voltage seen)"),
    "throttled_now": N_("CPU is throttled (too hot or too little power)"),
    "cpu_hot": N_("CPU temperature at or above %(hot_c)d °C"),
    "data_disk_full": N_("Data partition more than %(full_pct)d%% full"),
    "data_disk_missing": N_("Data partition cannot be read"),
}
ALARM_PARAMS = {"hot_c": round(HOT_C), "full_pct": round(DISK_FULL_RATIO * 100)}


def alarm_english(code: str) -> str:
    """The alarm's English wording (logs, and cores talking to an older web)."""
    return ALARM_TEXT[code] % ALARM_PARAMS if code in ALARM_TEXT else code

Runner = Callable[..., subprocess.CompletedProcess]


class HealthProbe:
    """Reads the box's health; one ``read()`` per page load or status-lamp tick."""

    def __init__(self, data_dir: str | os.PathLike[str], sysfs_root: str | os.PathLike[str] = "/",
                 run: Runner = subprocess.run, version: str | None = None,
                 data_device: tuple[int, int] | None = None):
        self._data_dir = Path(data_dir)
        self._root = Path(sysfs_root)
        self._run = run
        self._version = version
        self._data_device = data_device  # (major, minor); default: the data dir's device

    def read(self) -> dict[str, Any]:
        disk = self.data_disk()
        report: dict[str, Any] = {
            "cpu_temp_c": self.cpu_temp_c(),
            "throttled": self.throttled(),
            "data_disk": disk,
            "bytes_written_since_boot": self.bytes_written_since_boot(),
            "uptime_s": self.uptime_s(),
            "version": self.version(),
            "serial_ports": self.serial_ports(),
        }
        report["alarms"] = alarms(report)
        return report

    def cpu_temp_c(self) -> float | None:
        text = _read(self._root / "sys/class/thermal/thermal_zone0/temp")
        try:
            return round(int(text) / 1000, 1) if text else None
        except ValueError:
            return None

    def throttled(self) -> dict[str, Any] | None:
        raw = self._throttled_raw()
        if raw is None:
            return self._undervoltage_from_hwmon()
        decoded: dict[str, Any] = {"raw": f"0x{raw:x}", "source": "firmware"}
        decoded.update({name: bool(raw >> bit & 1) for name, bit in THROTTLE_BITS.items()})
        return decoded

    def _throttled_raw(self) -> int | None:
        # Pi kernels also expose the same word in sysfs; vcgencmd may not be installed.
        text = _read(self._root / "sys/devices/platform/soc/soc:firmware/get_throttled")
        if text is not None:
            return _parse_int(text, 16)
        try:
            done = self._run(["vcgencmd", "get_throttled"], capture_output=True,
                             text=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        out = (done.stdout or "").strip()
        if done.returncode != 0 or not out.startswith("throttled="):
            return None
        return _parse_int(out.split("=", 1)[1], 16)

    def _undervoltage_from_hwmon(self) -> dict[str, Any] | None:
        # Without the firmware word, the rpi_volt hwmon driver still reports under-voltage.
        for hwmon in sorted((self._root / "sys/class/hwmon").glob("hwmon*")):
            if _read(hwmon / "name") != "rpi_volt":
                continue
            alarm = _read(hwmon / "in0_lcrit_alarm")
            if alarm is None:
                return None
            return {"raw": None, "source": "hwmon", "undervoltage_now": alarm == "1"}
        return None

    def data_disk(self) -> dict[str, int] | None:
        try:
            st = os.statvfs(self._data_dir)
        except OSError:
            return None
        total = st.f_blocks * st.f_frsize
        free = st.f_bavail * st.f_frsize
        return {"total": total, "used": total - st.f_bfree * st.f_frsize, "free": free}

    def bytes_written_since_boot(self) -> int | None:
        device = self._device()
        if device is None:
            return None
        major, minor = device
        text = _read(self._root / f"sys/dev/block/{major}:{minor}/stat")
        if text is not None:
            fields = text.split()
            # Field 7 of the block stat file: sectors written.
            return int(fields[6]) * SECTOR_BYTES if len(fields) > 6 else None
        return self._from_diskstats(major, minor)

    def _from_diskstats(self, major: int, minor: int) -> int | None:
        text = _read(self._root / "proc/diskstats")
        for line in (text or "").splitlines():
            fields = line.split()
            if len(fields) > 9 and fields[0] == str(major) and fields[1] == str(minor):
                return int(fields[9]) * SECTOR_BYTES
        return None

    def _device(self) -> tuple[int, int] | None:
        if self._data_device is not None:
            return self._data_device
        try:
            dev = os.stat(self._data_dir).st_dev
        except OSError:
            return None
        return os.major(dev), os.minor(dev)

    def serial_ports(self) -> list[str]:
        """Stable modem port names (/dev/serial/by-id/...) for callbox.toml's [[gsm]] port."""
        folder = self._root / "dev/serial/by-id"
        try:
            return sorted(f"/dev/serial/by-id/{entry.name}" for entry in folder.iterdir())
        except OSError:
            return []

    def uptime_s(self) -> float | None:
        text = _read(self._root / "proc/uptime")
        try:
            return float(text.split()[0]) if text else None
        except ValueError:
            return None

    def version(self) -> str:
        if self._version is not None:
            return self._version
        try:
            return metadata.version("callbox")
        except metadata.PackageNotFoundError:
            return "unknown"


def alarms(report: dict[str, Any]) -> list[str]:
    """Alarm codes (keys of ALARM_TEXT) for a report, most urgent first."""
    found: list[str] = []
    throttled = report.get("throttled") or {}
    for code in ("undervoltage_now", "throttled_now"):
        if throttled.get(code):
            found.append(code)
    temp = report.get("cpu_temp_c")
    if temp is not None and temp >= HOT_C:
        found.append("cpu_hot")
    disk = report.get("data_disk")
    if disk is None:
        found.append("data_disk_missing")
    elif disk["total"] and disk["used"] / disk["total"] > DISK_FULL_RATIO:
        found.append("data_disk_full")
    if throttled.get("undervoltage_seen") and "undervoltage_now" not in found:
        found.append("undervoltage_seen")
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None


def _parse_int(text: str, base: int) -> int | None:
    try:
        return int(text.strip(), base)
    except ValueError:
        return None
