"""Load benchmark: SIPp callers at 5, 10 and 20 calls/s against a real core, then a ramp.

Each call is the office's everyday job, the same as Asterisk's side-by-side run: the
box answers, plays a 1.5 s greeting, the caller presses 1 (RFC 2833), is queued and
bridged to a dispatcher whose phone answers at once, and hangs up ~5 s after the
INVITE. 100 dispatchers (wrap-up 0, longest-idle) all point at ONE SIPp UAS port with
different users, so the queue never limits. A fresh core per rate.

Per rate: SIPp's successful/failed calls, max concurrent calls (SIPp's CurrentCall,
1 s stats), the core process tree's CPU in % of one core (/proc, every second), its
RSS peak, INVITE -> 200 p50/p99 (SIPp's -trace_msg stamps), and the call records the
core wrote (answered == SIPp successes). The machine's own load is recorded too.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from appliance.control.client import ControlClient
from appliance.control.protocol import socket_path
from appliance.store.db import db_path
from bench.common import ROOT, parse_sipp_messages, percentiles, sox, start_core
from bench.stall import StallWatch
from bench.procstat import Sampler, cpu_seconds, rss_mib, tree

PCAP = Path("/usr/share/sip-tester/dtmf_2833_1.pcap")
RESULTS = ROOT / "bench" / "results"
DISPATCHERS = 100
GREET_MS = 1500
TALK_MS = 3300  # after the digit: INVITE -> BYE is ~5 s

TOML_HEAD = """
[office]
name = "Bench"
language = "en"
[sip]
listen = "127.0.0.1:{sip}"
rtp_port = {rtp}
trusted_peers = ["127.0.0.1"]  # SIPp carries every caller, like a trunk: no per-source limit
[lamps]
pin_factory = "mock"
queue_waiting = "none"
[ivr]
greeting = "welcome"
root = "main"
[[ivr.menu]]
id = "main"
prompt = "main_menu"
options = {{ "1" = "queue:taxi" }}
timeout_s = 5.0
retries = 0
default = "queue:taxi"
[[queue]]
name = "taxi"
strategy = "longest-idle"
wrapup_s = 0
announce_every_s = 0
[prompts.custom]
welcome = "{greeting}"
main_menu = "{short}"
please_hold = "{short}"
hold_music = "{hold}"
"""

DISPATCHER = """
[[dispatcher]]
name = "d{n:03d}"
extension = "{ext}"
phone = "sip:{ext}@127.0.0.1:{uas}"
"""


def office_toml(work: Path, sip: int, uas: int, dispatchers: int = DISPATCHERS) -> str:
    greeting, short, hold = work / "greeting.wav", work / "short.wav", work / "hold.wav"
    # a quiet tone, so the bridge really plays something; silence costs pjmedia the same
    sox("-n", "-r", "8000", "-b", "16", "-c", "1", str(greeting), "synth",
        f"{GREET_MS / 1000}", "sine", "440", "vol", "0.1")
    sox("-n", "-r", "8000", "-b", "16", "-c", "1", str(short), "trim", "0", "0.1")
    sox("-n", "-r", "8000", "-b", "16", "-c", "1", str(hold), "trim", "0", "3")
    text = TOML_HEAD.format(sip=sip, rtp=sip + 2000, greeting=greeting, short=short, hold=hold)
    return text + "".join(DISPATCHER.format(n=n, ext=2000 + n, uas=uas)
                          for n in range(1, dispatchers + 1))


def _scenario(work: Path) -> Path:
    text = (ROOT / "bench/load_caller.xml").read_text()
    path = work / "load_caller.xml"
    path.write_text(text.replace("{greet_ms}", str(GREET_MS)).replace("{talk_ms}", str(TALK_MS)))
    return path


def start_uas(work: Path, port: int) -> subprocess.Popen:
    log = open(work / "uas.out", "wb")
    return subprocess.Popen(
        ["sipp", "-sf", str(ROOT / "bench/dispatcher_uas.xml"), "-i", "127.0.0.1",
         "-p", str(port), "-mp", str(port + 2), "-nostdin", "-l", "5000", "-trace_err",
         "-max_recv_loops", "1000"], cwd=work, stdout=log, stderr=subprocess.STDOUT)


def callers(work: Path, sip: int, rate: float, calls: int) -> subprocess.Popen:
    port = sip + 100
    argv = ["sipp", f"127.0.0.1:{sip}", "-sf", str(_scenario(work)), "-m", str(calls),
            "-r", str(rate), "-l", str(calls), "-i", "127.0.0.1", "-p", str(port),
            "-mp", str(port + 2), "-nostdin", "-trace_msg",
            "-trace_stat", "-fd", "1", "-trace_err", "-max_recv_loops", "1000",
            "-timeout", f"{int(calls / rate) + 60}s", "-timeout_error",
            "-key", "dtmf_pcap", str(PCAP), "-key", "pt", "101", "-key", "user", "09121234567"]
    return subprocess.Popen(argv, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def sipp_stats(work: Path) -> dict:
    """The last line of SIPp's -trace_stat CSV (cumulative) and the max CurrentCall."""
    path = next(work.glob("load_caller_*_.csv"))
    rows = list(csv.DictReader(path.open(), delimiter=";"))
    last = rows[-1]
    return {"ok": int(last["SuccessfulCall(C)"]), "failed": int(last["FailedCall(C)"]),
            "max_concurrent": max(int(r["CurrentCall"]) for r in rows)}


def invite_to_200(work: Path) -> list[float]:
    """Milliseconds per call from SIPp's -trace_msg log (µs stamps; SIPp's own rtd
    statistics count in whole milliseconds of its event loop: 0, 4, 8 ms)."""
    path = next(work.glob("load_caller_*_messages.log"), None)
    if path is None:
        return []
    return [(c["200"] - c["INVITE"]) * 1000 for c in parse_sipp_messages(path).values()
            if "INVITE" in c and "200" in c]


def records(data: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db_path(data)}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT COALESCE(disposition, 'open'), COUNT(*) FROM calls"
                            " GROUP BY 1").fetchall()
    finally:
        conn.close()
    return dict(rows)


def _settle(data: Path, expected: int, timeout: float = 20.0) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        counts = records(data)
        ended = sum(v for k, v in counts.items() if k != "open")
        if ended >= expected and not counts.get("open") or time.monotonic() > deadline:
            return counts
        time.sleep(0.5)


def keep_evidence(work: Path, rate: float) -> str:
    """A failed run's logs and stall dumps, kept past the temporary work folder."""
    dest = RESULTS / f"evidence-{rate:g}cps-{time.strftime('%H%M%S')}"
    dest.mkdir(parents=True, exist_ok=True)
    for pattern in ("core.log", "stall-*.txt", "*_errors.log", "*_.csv", "uas.out"):
        for path in work.glob(pattern):
            shutil.copy2(path, dest / path.name)
    return str(dest)


def run_rate(work: Path, rate: float, calls: int, sip: int) -> dict:
    """One rate against a fresh core; returns the figures of the table."""
    work.mkdir(parents=True, exist_ok=True)
    uas_port = sip + 300
    core = start_core(work, office_toml(work, sip, uas_port), sip)
    uas = start_uas(work, uas_port)
    try:
        time.sleep(2.0)
        capacity = ControlClient(socket_path(core.data)).status()["capacity"]
        rss_idle = rss_mib(tree(core.pid))
        sampler = Sampler(core.pid).start()
        caller = callers(work, sip, rate, calls)
        watch = StallWatch(work, core.pid, sip).start()
        sipp_cpu = 0.0
        while caller.poll() is None:  # SIPp's own CPU, so the machine's rest is known
            sipp_cpu = cpu_seconds([caller.pid, uas.pid])
            time.sleep(1.0)
        load = sampler.stop()
        stalls = watch.stop()
        # None while it runs; a number (a signal if negative) if the core died under load
        core_exit = core.proc.poll()
        stats = sipp_stats(work)
        counts = _settle(core.data, stats["ok"] + stats["failed"])
    finally:
        uas.terminate()
        uas.wait(10)
        core.stop()
    if stats["failed"] or stalls:
        stalls.append(keep_evidence(work, rate))
    rtt = invite_to_200(work)
    busy_rest = load["machine_busy_cores"] - load["cpu_pct_mean"] / 100 - sipp_cpu / load["seconds"]
    return {
        "rate_cps": rate, "calls": calls, **stats,
        "answered_records": counts.get("answered", 0), "records": counts,
        "records_match": counts.get("answered", 0) == stats["ok"],
        "invite_to_200_ms": percentiles(rtt),
        "cpu_pct_of_core": load["cpu_pct_mean"], "cpu_pct_max_1s": load["cpu_pct_max_1s"],
        "rss_peak_mib": load["rss_peak_mib"], "rss_idle_mib": round(rss_idle, 1),
        "threads_max": load["threads_max"], "slots": capacity.get("total"),
        "sipp_cpu_pct": round(100 * sipp_cpu / load["seconds"], 1),
        "other_load_cores": round(max(0.0, busy_rest), 2), "loadavg": load["loadavg"],
        "seconds": load["seconds"], "stalls": stalls, "core_exit": core_exit,
    }


def ramp(work: Path, sip: int, start: float, step: float, seconds: float = 20,
         stop_at: float = 100) -> dict:
    """Raise the rate until a run has failures; the last clean rate is the box's limit."""
    best, tried, rate = None, [], start
    while rate <= stop_at:
        result = run_rate(work / f"ramp-{rate:g}", rate, int(rate * seconds), sip)
        tried.append({k: result[k] for k in ("rate_cps", "calls", "ok", "failed",
                                             "max_concurrent", "cpu_pct_of_core",
                                             "rss_peak_mib", "invite_to_200_ms",
                                             "records_match")})
        print(f"   ramp {rate:g} cps: {result['ok']} ok, {result['failed']} failed", flush=True)
        if result["failed"] or not result["records_match"]:
            break
        best, rate = rate, rate + step
    return {"highest_clean_cps": best, "runs": tried}


def run(work: Path, rates: tuple[float, ...] = (5, 10, 20), seconds: float = 40,
        sip_port: int = 27060, ramp_from: float | None = 25, ramp_step: float = 5) -> dict:
    results: dict = {"rates": []}
    for rate in rates:
        calls = int(rate * seconds)
        print(f"   {rate:g} cps x {calls} calls ...", flush=True)
        results["rates"].append(run_rate(work / f"rate-{rate:g}", rate, calls, sip_port))
    clean = [r["rate_cps"] for r in results["rates"] if not r["failed"] and r["records_match"]]
    results["highest_clean_cps"] = max(clean, default=None)
    # ramp on only from a clean top rate: past a failed one there is nothing to find
    if ramp_from and clean and clean[-1] == rates[-1]:
        results["ramp"] = ramp(work, sip_port, ramp_from, ramp_step)
        if results["ramp"]["highest_clean_cps"]:
            results["highest_clean_cps"] = results["ramp"]["highest_clean_cps"]
    return results
