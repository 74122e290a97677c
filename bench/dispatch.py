"""Queue benchmark: dispatcher free → INVITE to the next waiting caller's dispatcher.

Two SIPp callers keep one simulated dispatcher phone (pjsua2, own process) busy:
one talks while the other waits. Each time the dispatcher's wrap-up ends the core
publishes DispatcherStateChanged(available), read here from the control socket with
its timestamp; the phone stamps the INVITE it receives. Same clock, same machine.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path

from appliance.control.client import ControlClient
from appliance.control.protocol import socket_path
from bench.common import PYTHON, ROOT, percentiles, start_core

TOML = """
[office]
name = "Bench"
language = "en"
[sip]
listen = "127.0.0.1:{sip}"
rtp_port = {rtp}
trusted_peers = ["127.0.0.1"]  # SIPp carries every caller, like a trunk: no per-source limit
[[dispatcher]]
name = "anna"
extension = "101"
phone = "sip:101@127.0.0.1:{phone}"
lamp = 17
[lamps]
pin_factory = "mock"
[[queue]]
name = "taxi"
wrapup_s = 0.3
[[queue]]
name = "office"
[[queue]]
name = "operator"
"""


def _collect(client: ControlClient, out: list[float], stop: threading.Event) -> None:
    for message in client.events():
        if stop.is_set():
            return
        data = message.get("data", {})
        if message.get("event") == "DispatcherStateChanged" and data.get("state") == "available" \
                and data.get("previous") == "wrapup":
            out.append(datetime.fromisoformat(data["at"].replace("Z", "+00:00")).timestamp())


def run(work: Path, calls: int = 110, sip_port: int = 26060) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    phone_port = sip_port + 11
    core = start_core(work, TOML.format(sip=sip_port, rtp=sip_port + 1000, phone=phone_port),
                      sip_port)
    report = work / "phones.jsonl"
    phones = subprocess.Popen([PYTHON, "-m", "appliance", "sim-phones", "--data", str(core.data),
                               "--phone", f"101@127.0.0.1:{phone_port}", "--answer-after", "0.2",
                               "--hangup-after", "0.6", "--report", str(report)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    freed: list[float] = []
    stop = threading.Event()
    client = ControlClient(socket_path(core.data))
    threading.Thread(target=_collect, args=(client, freed, stop), daemon=True).start()
    try:
        time.sleep(3.0)
        text = (ROOT / "tests/e2e/scenarios/caller.xml").read_text()
        text = text.replace("{greet_ms}", "300").replace("{talk_ms}", "60000").replace("{voice}", "")
        (work / "caller.xml").write_text(text)
        subprocess.run(["sipp", f"127.0.0.1:{sip_port}", "-sf", str(work / "caller.xml"),
                        "-m", str(calls), "-l", "2", "-r", "10", "-i", "127.0.0.1",
                        "-p", str(sip_port + 100), "-mp", str(sip_port + 200), "-nostdin",
                        "-key", "dtmf_pcap", "/usr/share/sip-tester/dtmf_2833_1.pcap",
                        "-key", "pt", "101", "-key", "user", "09121234567"],
                       cwd=work, check=False, capture_output=True, timeout=calls * 5 + 60)
    finally:
        stop.set()
        phones.terminate()
        phones.wait(10)
        core.stop()
    offered = sorted(json.loads(line)["offered"] for line in report.read_text().splitlines())
    gaps = []
    for t in freed:
        nxt = next((o for o in offered if o >= t), None)
        if nxt is not None and nxt - t < 1.0:  # only when a caller was waiting
            gaps.append((nxt - t) * 1000)
    return {"calls": calls, "free_to_invite_ms": percentiles(gaps)}
