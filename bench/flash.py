"""Flash wear: bytes the core writes to the data partition per logged call.

The load benchmark's call (greeting, digit, queue, bridge, hang-up) against a fresh
core whose log goes through a pipe (so its log file is not counted). ``write_bytes``
from the core's /proc/<pid>/io (what reached the block layer: SQLite's WAL, the
database, checkpoints) from after start-up until every record is committed, divided
by the calls logged. Two rates: a busy office (10 calls/s, 1,000 calls) and a quiet
one (1 call/s, where nothing can be shared between calls' commits).
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.common import start_core
from bench.load import _settle, callers, office_toml, sipp_stats, start_uas
from bench.procstat import io_bytes


def _data_bytes(data: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in data.glob("callbox.sqlite3*")}


def measure(work: Path, rate: float, calls: int, sip: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    uas_port = sip + 300
    core = start_core(work, office_toml(work, sip, uas_port), sip, pipe_log=True)
    uas = start_uas(work, uas_port)
    try:
        time.sleep(3.0)  # start-up writes (prompt cache, migrations) are not calls
        io0 = io_bytes(core.pid)
        caller = callers(work, sip, rate, calls)
        caller.wait()
        stats = sipp_stats(work)
        counts = _settle(core.data, stats["ok"] + stats["failed"])
        time.sleep(2.0)  # the last commit's pages reach the disk
        io1 = io_bytes(core.pid)
        files = _data_bytes(core.data)
    finally:
        uas.terminate()
        uas.wait(10)
        core.stop()
    logged = sum(v for k, v in counts.items() if k != "open")
    written = io1["write_bytes"] - io0["write_bytes"]
    return {"rate_cps": rate, "calls": calls, "ok": stats["ok"], "failed": stats["failed"],
            "records": counts, "write_bytes": written,
            "kib_per_call": round(written / 1024 / max(1, logged), 2),
            "files": files}


def run(work: Path, busy_calls: int = 1000, quiet_calls: int = 100,
        sip_port: int = 27460) -> dict:
    return {"busy": measure(work / "busy", 10, busy_calls, sip_port),
            "quiet": measure(work / "quiet", 1, quiet_calls, sip_port),
            "target_kib_per_call": 8}
