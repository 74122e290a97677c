"""``make bench``: every benchmark, one after another; results to bench/results/latest.json.

Targets (issue #8): load at 20 calls/s with 0 failures, <= 20 % of a core, <= 100 MiB,
INVITE->200 p99 <= 2.5 ms; <= 8 KiB written per logged call; web <= 80 MiB with 10 live
pages. Targets (issue #2 / #3): INVITE→200 p99 ≤ 3 ms, DTMF→next prompt p95 ≤ 60 ms, dispatcher
free→INVITE p95 ≤ 20 ms, event→lamp p95 ≤ 10 ms, RSS idle ≤ 60 MiB; GSM: ≤ 1 % of a core
per call and no gap over 30 ms between frames written to the modem.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "kernel": platform.release(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--calls", type=int, default=120)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--load-seconds", type=float, default=40,
                        help="seconds of calls per rate in the load benchmark (40: 200/400/800)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="callbox-bench-"))
    results: dict = {"machine": machine()}
    plan = [("ivr", {"calls": args.calls}), ("dispatch", {"calls": max(100, args.calls)}),
            ("lamps", {}), ("gsm_audio", None),
            ("load", {"seconds": args.load_seconds}), ("flash", {}), ("web_memory", {}),
            ("desk_search", {}), ("desk_live", {}), ("ivr_reload", {}), ("queue_strategies", {}),
            ("crash_restart", {}), ("gsm_faults", {})]
    for name, kwargs in plan:
        if args.only and name not in args.only:
            continue
        try:
            module = importlib.import_module(f"bench.{name}")
        except ImportError:
            continue
        print(f"== {name} ...", flush=True)
        started = time.monotonic()
        results[name] = module.run() if kwargs is None else module.run(work / name, **kwargs)
        results[name]["seconds"] = round(time.monotonic() - started, 1)
        print(json.dumps(results[name], indent=1), flush=True)
    RESULTS.mkdir(exist_ok=True)
    name = "latest.json" if not args.only else f"latest-{'-'.join(args.only)}.json"
    (RESULTS / name).write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {RESULTS / name}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
