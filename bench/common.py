"""Shared pieces of the benchmarks: a core process, percentiles, /proc readings."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return round(ordered[index], 3)

    return {"n": len(values), "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "max": round(ordered[-1], 3), "mean": round(statistics.fmean(values), 3)}


def rss_mib(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@dataclass
class CoreProc:
    proc: subprocess.Popen
    data: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _copy(pipe, path: Path) -> None:
    with open(path, "ab") as out:
        for line in iter(pipe.readline, b""):
            out.write(line)
            out.flush()


def start_core(workdir: Path, toml: str, sip_port: int, pipe_log: bool = False) -> CoreProc:
    """The production core (tests/e2e/corehost.py: MockFactory lamps) in its own process.

    ``pipe_log``: the core's log goes through a pipe and this process writes the file,
    so the core's /proc/<pid>/io counts only what the core itself writes (its data)."""
    config = workdir / "callbox.toml"
    config.write_text(toml)
    data = workdir / "data"
    log = subprocess.PIPE if pipe_log else open(workdir / "core.log", "wb")
    (workdir / "core.log").touch()
    proc = subprocess.Popen([PYTHON, str(ROOT / "tests/e2e/corehost.py"), "--config", str(config),
                             "--data", str(data), "--sip", f"127.0.0.1:{sip_port}"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            # a crash in pjsua's threads leaves every Python stack in the log
                            env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    if pipe_log:
        threading.Thread(target=_copy, args=(proc.stdout, workdir / "core.log"),
                         daemon=True).start()
    deadline = time.monotonic() + 60
    while b"CORE READY" not in (workdir / "core.log").read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((workdir / "core.log").read_text()[-2000:])
        time.sleep(0.1)
    return CoreProc(proc, data)


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


def parse_sipp_messages(path: Path) -> dict[str, dict[str, float]]:
    """SIPp -trace_msg log → {call_id: {"INVITE": t, "200": t, ...}}: first time of each
    request method or response code per call, epoch seconds (SIPp stamps in µs)."""
    calls: dict[str, dict[str, float]] = {}
    blocks = re.split(r"^-{20,} ", path.read_text(errors="replace"), flags=re.M)
    for block in blocks[1:]:
        lines = block.splitlines()
        stamp = datetime.strptime(lines[0].strip().replace("\t", " "),
                                  "%Y-%m-%d %H:%M:%S.%f").timestamp()
        body = [line for line in lines[2:] if line.strip()]
        if not body:
            continue
        start = body[0].split()
        kind = start[1] if start[0] == "SIP/2.0" else start[0]
        call_id = next((line.split(":", 1)[1].strip() for line in body
                        if line.lower().startswith("call-id:")), "")
        calls.setdefault(call_id, {}).setdefault(kind, stamp)
    return calls
