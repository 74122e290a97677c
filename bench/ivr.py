"""IVR benchmark: SIPp calls one after another into a real core.

Measures INVITE → 200 OK (SIPp's -trace_msg, µs stamps), DTMF end → first RTP
packet of the next prompt (bench/rtp_probe.py), CPU per call and the core's RSS
idle and with calls up.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from bench.common import (ROOT, cpu_seconds, parse_sipp_messages, percentiles, rss_mib, sox,
                          start_core)
from bench.rtp_probe import RtpProbe

PCAP = Path("/usr/share/sip-tester/dtmf_2833_1.pcap")

TOML = """
[office]
name = "Bench"
language = "en"
[sip]
listen = "127.0.0.1:{sip}"
rtp_port = {rtp}
trusted_peers = ["127.0.0.1"]  # SIPp carries every caller, like a trunk: no per-source limit
[prompts.custom]
welcome = "{silence}"
main_menu = "{silence}"
please_hold = "{tone}"
[lamps]
pin_factory = "mock"
queue_waiting = 22
"""


def _prompts(work: Path) -> tuple[str, str]:
    silence, tone = work / "silence.wav", work / "tone.wav"
    sox("-n", "-r", "8000", "-b", "16", "-c", "1", str(silence), "trim", "0", "10")
    sox("-n", "-r", "8000", "-b", "16", "-c", "1", str(tone), "synth", "3", "sine", "1000",
        "vol", "0.5")
    return str(silence), str(tone)


def _sample_rss(pid: int, stop: threading.Event, out: list[float]) -> None:
    while not stop.wait(0.2):
        out.append(rss_mib(pid))


def run(work: Path, calls: int = 120, sip_port: int = 25060) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    silence, tone = _prompts(work)
    core = start_core(work, TOML.format(sip=sip_port, rtp=sip_port + 1000, silence=silence,
                                        tone=tone), sip_port)
    try:
        time.sleep(2.0)
        idle_rss = rss_mib(core.pid)
        probe = RtpProbe(sip_port + 500, PCAP)
        probe.start()
        scenario = (ROOT / "bench/caller_probe.xml").read_text().replace("{hold_ms}", "1500")
        (work / "probe.xml").write_text(scenario)
        rss: list[float] = []
        stop = threading.Event()
        sampler = threading.Thread(target=_sample_rss, args=(core.pid, stop, rss), daemon=True)
        sampler.start()
        cpu0, t0 = cpu_seconds(core.pid), time.monotonic()
        subprocess.run(["sipp", f"127.0.0.1:{sip_port}", "-sf", str(work / "probe.xml"),
                        "-m", str(calls), "-l", "1", "-r", "20", "-i", "127.0.0.1",
                        "-p", str(sip_port + 100), "-nostdin", "-trace_msg",
                        "-key", "rtp_port", str(sip_port + 500), "-key", "pt", "101",
                        "-key", "user", "09121234567"], cwd=work, check=True,
                       capture_output=True, timeout=calls * 5 + 60)
        cpu1, t1 = cpu_seconds(core.pid), time.monotonic()
        stop.set()
        probe.stop()
    finally:
        core.stop()
    log = next(work.glob("probe_*_messages.log"))
    answer_ms = [(c["200"] - c["INVITE"]) * 1000 for c in parse_sipp_messages(log).values()
                 if "INVITE" in c and "200" in c]
    return {
        "calls": calls,
        "invite_to_200_ms": percentiles(answer_ms),
        "dtmf_end_to_prompt_ms": percentiles(probe.from_end),
        "dtmf_start_to_prompt_ms": percentiles(probe.from_start),
        "cpu_per_call_ms": round((cpu1 - cpu0) / calls * 1000, 2),
        "cpu_share_during_run": round((cpu1 - cpu0) / (t1 - t0), 4),
        "rss_idle_mib": round(idle_rss, 1),
        "rss_calls_mib": round(max(rss, default=idle_rss), 1),
    }
