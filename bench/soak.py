"""Soak (``make soak``, not part of ``make test`` or ``make bench``): 10 minutes at 5 calls/s.

The load benchmark's call against one core for the whole time. Passes when no call
failed, the call records equal SIPp's successes, the core's RSS grew by less than
5 MiB and its open file descriptors and threads did not grow (all from /proc: read
after a warm-up minute and again after the last call ended).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.common import start_core
from bench.load import _settle, callers, office_toml, sipp_stats, start_uas
from bench.procstat import Sampler, fd_count, rss_mib, status_value, tree

RESULTS = Path(__file__).resolve().parent / "results"


def _snapshot(pid: int) -> dict:
    return {"rss_mib": round(rss_mib(tree(pid)), 2), "fds": fd_count(pid),
            "threads": status_value(pid, "Threads")}


def run(work: Path, minutes: float = 10, rate: float = 5, sip_port: int = 28360) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    uas_port = sip_port + 300
    core = start_core(work, office_toml(work, sip_port, uas_port), sip_port)
    uas = start_uas(work, uas_port)
    try:
        time.sleep(2.0)
        # a warm-up minute first: the allocator's arenas and pjsua's pools settle
        (work / "warmup").mkdir()
        callers(work / "warmup", sip_port, rate, int(rate * 60)).wait()
        time.sleep(5.0)  # the warm-up's last calls end and their records are written
        before = _snapshot(core.pid)
        sampler = Sampler(core.pid).start()
        caller = callers(work, sip_port, rate, int(rate * minutes * 60))
        caller.wait()
        load = sampler.stop()
        stats = sipp_stats(work)
        counts = _settle(core.data, stats["ok"] + stats["failed"] + int(rate * 60))
        time.sleep(5.0)
        after = _snapshot(core.pid)
        core_exit = core.proc.poll()  # a dead core has no fds or threads to grow
    finally:
        uas.terminate()
        uas.wait(10)
        core.stop()
    answered = counts.get("answered", 0) - int(rate * 60)  # the warm-up's calls came first
    growth = round(after["rss_mib"] - before["rss_mib"], 2)
    checks = {"core_survived": core_exit is None,
              "no_failed_calls": stats["failed"] == 0,
              "records_equal_successes": answered == stats["ok"],
              "rss_growth_under_5_mib": growth < 5,
              "no_fd_growth": after["fds"] <= before["fds"],
              "no_thread_growth": after["threads"] <= before["threads"]}
    return {"minutes": minutes, "rate_cps": rate, **stats, "answered_records": answered,
            "records": counts, "before": before, "after": after, "rss_growth_mib": growth,
            "cpu_pct_of_core": load["cpu_pct_mean"], "rss_peak_mib": load["rss_peak_mib"],
            "machine_busy_cores": load["machine_busy_cores"], "loadavg": load["loadavg"],
            "core_exit": core_exit, "checks": checks, "passed": all(checks.values())}


def main() -> int:
    parser = argparse.ArgumentParser(prog="make soak")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="callbox-soak-"))
    result = run(work, args.minutes, args.rate)
    print(json.dumps(result, indent=1))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
