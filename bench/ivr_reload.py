"""IVR reload benchmark: a tree saved (as the web saves it) → in force for the next call.

Each round stores a new version in ``<data>/ivr.json`` (IvrStore.save, what PUT /api/ivr
does) and asks the running core to reload (the ``ivr_reload`` control action, what the
web sends); the time is from the start of the save until the core answers that the new
version is in force. Target: ≤ 1 s. Then one SIPp call checks that the next call really
follows the last saved tree (digit 1 leads to the queue that round named).
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import time
from pathlib import Path

from appliance.control.client import ControlClient
from appliance.control.protocol import socket_path
from appliance.ivr.store import IvrStore
from bench.common import ROOT, percentiles, start_core

SCENARIO = ROOT / "tests/e2e/scenarios/caller.xml"
PCAP = Path("/usr/share/sip-tester/dtmf_2833_1.pcap")
QUEUES = ("taxi", "office", "operator")

TOML = """
[office]
name = "Bench"
language = "en"
[sip]
listen = "127.0.0.1:{sip}"
rtp_port = {rtp}
trusted_peers = ["127.0.0.1"]  # SIPp carries every caller, like a trunk: no per-source limit
[lamps]
pin_factory = "mock"
queue_waiting = 22
"""


def _save_and_reload(data: Path, control: ControlClient, queue: str) -> tuple[float, int]:
    started = time.perf_counter()
    store = IvrStore(data)
    doc = store.current()["tree"]
    doc["menus"][0]["options"]["1"] = f"queue:{queue}"
    version = store.save(doc, "bench")["version"]
    answer = control.action("ivr_reload")
    elapsed = time.perf_counter() - started
    if answer["version"] != version:
        raise RuntimeError(f"core runs version {answer['version']}, saved {version}")
    return elapsed, version


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(work: Path, sip_port: int) -> None:
    text = SCENARIO.read_text()
    for key, value in {"greet_ms": 1500, "talk_ms": 500, "voice": ""}.items():
        text = text.replace("{" + key + "}", str(value))
    scenario = work / "reload_caller.xml"
    scenario.write_text(text)
    subprocess.run(["sipp", f"127.0.0.1:{sip_port}", "-sf", str(scenario), "-m", "1",
                    "-i", "127.0.0.1", "-p", str(_free_port()), "-mp", str(_free_port()),
                    "-nostdin", "-timeout", "30s", "-key", "dtmf_pcap", str(PCAP),
                    "-key", "pt", "101", "-key", "user", "09121234567"],
                   cwd=work, capture_output=True, timeout=60, check=False)


def _last_queue(data: Path) -> str | None:
    conn = sqlite3.connect(f"file:{data / 'callbox.sqlite3'}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT queue FROM calls ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def run(work: Path, rounds: int = 20, sip_port: int = 27060) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    core = start_core(work, TOML.format(sip=sip_port, rtp=sip_port + 1000), sip_port)
    try:
        control = ControlClient(socket_path(core.data), timeout=10.0)
        times, queue = [], QUEUES[0]
        for i in range(rounds):
            queue = QUEUES[(i + 1) % len(QUEUES)]
            elapsed, _ = _save_and_reload(core.data, control, queue)
            times.append(elapsed * 1000)
        _call(work, sip_port)
        deadline = time.monotonic() + 10
        while _last_queue(core.data) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        used = _last_queue(core.data)
    finally:
        core.stop()
    stats = percentiles(times)
    return {"save_to_in_force_ms": stats, "next_call_queue": used, "expected_queue": queue,
            "next_call_follows_saved_tree": used == queue,
            "target_ms": 1000, "ok": stats.get("max", 1e9) <= 1000 and used == queue}
