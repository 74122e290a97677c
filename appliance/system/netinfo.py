"""The box's network interfaces for the technician: name, MAC, IP addresses, state."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable

Runner = Callable[..., subprocess.CompletedProcess]


def interfaces(run: Runner = subprocess.run, sysfs: Path = Path("/sys/class/net")) -> list[dict]:
    """From ``ip -j addr``; without ``ip``, MACs from sysfs (no addresses)."""
    try:
        done = run(["ip", "-j", "addr", "show"], capture_output=True, text=True, timeout=3)
        return parse_ip_json(done.stdout) if done.returncode == 0 else _from_sysfs(sysfs)
    except (OSError, subprocess.SubprocessError, ValueError):
        return _from_sysfs(sysfs)


def parse_ip_json(text: str) -> list[dict]:
    out = []
    for link in json.loads(text or "[]"):
        if link.get("link_type") == "loopback":
            continue
        out.append({"name": link.get("ifname", ""), "mac": link.get("address", ""),
                    "state": str(link.get("operstate", "")).lower(),
                    "addresses": [f"{a.get('local')}/{a.get('prefixlen')}"
                                  for a in link.get("addr_info", []) if a.get("local")]})
    return out


def _from_sysfs(sysfs: Path) -> list[dict[str, Any]]:
    out = []
    for entry in sorted(sysfs.glob("*")) if sysfs.exists() else []:
        if entry.name == "lo":
            continue
        try:
            mac = (entry / "address").read_text().strip()
            state = (entry / "operstate").read_text().strip()
        except OSError:
            continue
        out.append({"name": entry.name, "mac": mac, "state": state, "addresses": []})
    return out
