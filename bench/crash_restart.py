"""The core SIGKILLed with 20 conversations up, restarted as systemd would (issue #8 item 3).

The core runs from its unit (``bench/unitrun.py``: ``systemd/callbox-core.service``'s
ExecStart, ``Restart=always``, ``RestartSec=``, READY=1 over NOTIFY_SOCKET), provisioned
into its data directory like the box. Five calls end first; then 20 SIPp callers are
bridged to 20 dispatchers (one SIPp UAS, as in bench/load.py) and the core is killed.
Measured: kill → the restart spawned (RestartSec), spawn → READY=1, spawn → SIP answers
(an OPTIONS gets 200), kill → SIP answers, and kill → the first new call answered.
Checked (tests/e2e/test_crash_under_load.py asserts the same): the 20 in-flight calls are
closed ``interrupted``, the ended calls are all there, ``PRAGMA integrity_check`` is ok.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import time
from pathlib import Path

from appliance.control.client import ControlClient
from appliance.control.protocol import socket_path
from appliance.store.db import db_path
from bench.common import ROOT
from bench.load import PCAP, office_toml, start_uas
from bench.unitrun import UnitRunner, provision

SCENARIO = ROOT / "tests/e2e/scenarios/caller_numbered.xml"
TALKERS = 20
ENDERS = 5


def free_port(span: int = 1) -> int:
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base < 60000 and all(_free(base + i) for i in range(span)):
            return base
    raise RuntimeError("no free port")


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def sip_answers(port: int) -> bool:
    """An OPTIONS from loopback gets a 200: the SIP engine is up and taking requests."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.1)
        local, tag = sock.getsockname()[1], time.time_ns()
        sock.sendto((f"OPTIONS sip:callbox@127.0.0.1:{port} SIP/2.0\r\n"
                     f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{tag}\r\n"
                     f"From: <sip:probe@127.0.0.1>;tag={tag}\r\nTo: <sip:callbox@127.0.0.1>\r\n"
                     f"Call-ID: {tag}@probe\r\nCSeq: 1 OPTIONS\r\n"
                     "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode(), ("127.0.0.1", port))
        try:
            return sock.recv(4000).startswith(b"SIP/2.0 200")
        except OSError:
            return False


def callers(work: Path, sip: int, count: int, user: str, talk_ms: int,
            wait: bool = False) -> subprocess.Popen:
    text = SCENARIO.read_text().replace("{greet_ms}", "1500").replace("{talk_ms}", str(talk_ms))
    path = work / f"caller-{user}.xml"
    path.write_text(text.replace("{voice}", ""))
    proc = subprocess.Popen(
        ["sipp", f"127.0.0.1:{sip}", "-sf", str(path), "-m", str(count), "-l", str(count),
         "-r", "20", "-i", "127.0.0.1", "-p", str(free_port()), "-mp", str(free_port(span=4)),
         "-nostdin", "-key", "dtmf_pcap", str(PCAP), "-key", "pt", "101", "-key", "user", user,
         "-timeout", f"{talk_ms // 1000 + 60}s", "-timeout_error", "-max_recv_loops", "1000"],
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait:
        proc.wait(talk_ms / 1000 + 90)
    return proc


def wait_until(predicate, timeout: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _busy(data: Path) -> int:
    try:
        status = ControlClient(socket_path(data), timeout=2.0).status()
    except Exception:  # the core is not answering its socket (yet)
        return 0
    return sum(d["state"] == "busy" for d in status["dispatchers"])


def rows(data: Path) -> list[dict]:
    conn = sqlite3.connect(f"file:{db_path(data)}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM calls ORDER BY id")]
    finally:
        conn.close()


def integrity(data: Path) -> str:
    conn = sqlite3.connect(db_path(data))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


class CrashRig:
    """A provisioned box run from its unit, its dispatchers' phones, and the callers."""

    def __init__(self, work: Path, talkers: int = TALKERS):
        work.mkdir(parents=True, exist_ok=True)
        self.work, self.talkers, self.data = work, talkers, work / "data"
        self.sip, uas = free_port(), free_port(span=3)
        provision(office_toml(work, self.sip, uas, dispatchers=talkers + 5), self.data, work)
        self.uas = start_uas(work, uas)
        self.unit = UnitRunner(self.data, work / "core.log")
        self.procs: list[subprocess.Popen] = [self.uas]

    def slots(self) -> int:
        return ControlClient(socket_path(self.data)).status()["capacity"]["total"]

    def calls_up(self) -> None:
        """Five calls come and go, then ``talkers`` callers are bridged and stay."""
        enders = callers(self.work, self.sip, ENDERS, "0911000", 500, wait=True)
        assert enders.returncode == 0, "the calls before the kill failed"
        self.procs.append(callers(self.work, self.sip, self.talkers, "0912000", 120_000))
        wait_until(lambda: _busy(self.data) >= self.talkers, 60,
                   f"{self.talkers} conversations to be bridged")

    def kill_and_restart(self) -> dict:
        killed = self.unit.kill()
        start = self.unit.wait_ready(2, 90)
        answered = wait_until(lambda: sip_answers(self.sip) and time.time(), 60,
                              "the restarted core to answer SIP", step=0.01)
        first = callers(self.work, self.sip, 1, "0913000", 500)
        first_ok = first.wait(120) == 0
        return {"restart_s": self.unit.restart_s, "kill_to_spawn_s": start.spawned - killed,
                "spawn_to_ready_s": start.ready - start.spawned,
                "spawn_to_sip_s": answered - start.spawned, "kill_to_sip_s": answered - killed,
                "first_call_after_ok": first_ok}

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self.unit.stop()


def outcome(data: Path, talkers: int) -> dict:
    log = rows(data)
    ended = [r for r in log if r["caller_raw"].startswith("0911000")]
    cut = [r for r in log if r["caller_raw"].startswith("0912000")]
    return {"ended_kept": sum(r["disposition"] == "answered" for r in ended), "ended": len(ended),
            "interrupted": sum(r["disposition"] == "interrupted" and bool(r["ended_at"])
                               for r in cut), "in_flight": len(cut),
            "open_rows": sum(r["disposition"] is None for r in ended + cut),
            "integrity": integrity(data)}


def run(work: Path, rounds: int = 3) -> dict:
    results = []
    for n in range(rounds):
        rig = CrashRig(work / f"round{n}")
        try:
            rig.unit.start()
            if rig.slots() < 2 * TALKERS + 2:
                return {"skipped": f"pjsua2 allows {rig.slots()} calls (PyPI wheel)"}
            rig.calls_up()
            times = rig.kill_and_restart()
        finally:
            rig.close()
        results.append({**times, **outcome(rig.data, TALKERS)})
    keys = ("kill_to_spawn_s", "spawn_to_ready_s", "spawn_to_sip_s", "kill_to_sip_s")
    return {"rounds": results, **{f"{k}_max": round(max(r[k] for r in results), 3) for k in keys}}
