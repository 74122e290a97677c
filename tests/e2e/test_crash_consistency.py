"""Power cut mid-storm: the core is SIGKILLed at random moments while calls come and go.

After each kill the core starts again on the same data directory. Every call that
had ended (its BYE answered) before the kill must be in the log with its outcome;
calls in flight are closed as `interrupted`; SQLite's integrity check passes.
"""

from __future__ import annotations

import random
import re
import signal
import socket
import sqlite3
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from harness import PCAPS, SCENARIOS, free_port, office_toml, wait_for
from appliance.store.db import db_path

pytestmark = [pytest.mark.sip, pytest.mark.slow]

ROUNDS = 5


def _ended_calls(log: Path, before: float) -> set[str]:
    """Callers (From user) whose BYE got its 200 OK before ``before`` (SIPp -trace_msg)."""
    ended = set()
    for block in re.split(r"^-{20,} ", log.read_text(errors="replace"), flags=re.M)[1:]:
        lines = block.splitlines()
        stamp = datetime.strptime(lines[0].strip(), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        text = "\n".join(lines)
        if stamp < before and "SIP/2.0 200" in text and re.search(r"CSeq: \d+ BYE", text):
            user = re.search(r"From:.*?<sip:([^@]+)@", text)
            ended.add(user.group(1))
    return ended


def _start_sipp(office, tmp: Path, round_no: int) -> subprocess.Popen:
    text = (SCENARIOS / "caller_numbered.xml").read_text()
    text = text.replace("{greet_ms}", "600").replace("{talk_ms}", "1200").replace("{voice}", "")
    path = tmp / f"storm{round_no}.xml"
    path.write_text(text)
    return subprocess.Popen(
        ["sipp", f"127.0.0.1:{office.sip_port}", "-sf", str(path), "-m", "400", "-l", "2",
         "-r", "5", "-i", "127.0.0.1", "-p", str(free_port()), "-mp", str(free_port(span=4)),
         "-nostdin", "-trace_msg", "-key", "dtmf_pcap", str(PCAPS / "dtmf_2833_1.pcap"),
         "-key", "pt", "101", "-key", "user", f"09{round_no}00", "-timeout", "60s"],
        cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _sip_answers(port: int) -> bool:
    """An OPTIONS from loopback gets a 200: the SIP engine is up and taking requests."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.2)
        local = sock.getsockname()[1]
        sock.sendto((f"OPTIONS sip:callbox@127.0.0.1:{port} SIP/2.0\r\n"
                     f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{time.time_ns()}\r\n"
                     f"From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:callbox@127.0.0.1>\r\n"
                     f"Call-ID: {time.time_ns()}@probe\r\nCSeq: 1 OPTIONS\r\n"
                     "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode(),
                    ("127.0.0.1", port))
        try:
            return sock.recv(4000).startswith(b"SIP/2.0 200")
        except OSError:
            return False


def test_sigkill_during_a_call_storm_loses_no_ended_call(office, tmp_path):
    rng = random.Random(20261127)
    toml = office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17),
                                         ("boris", "102", office.phone_ports[1], 23)],
                       rtp_port=office.rtp_port, queue_opts="wrapup_s = 0.2")
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}",
                         f"102@127.0.0.1:{office.phone_ports[1]}"], answer_after="0.2-0.5")
    must_have: set[str] = set()
    for round_no in range(1, ROUNDS + 1):
        core = office.start_core(toml)
        storm = _start_sipp(office, tmp_path, round_no)
        time.sleep(rng.uniform(3.0, 6.0))
        core.proc.send_signal(signal.SIGKILL)
        killed_at = time.time()
        core.proc.wait(10)
        office.procs.remove(core)
        storm.send_signal(signal.SIGTERM)
        storm.wait(20)
        log = next(tmp_path.glob(f"storm{round_no}_*_messages.log"))
        must_have |= _ended_calls(log, killed_at)
    # Restarted the way systemd would (right away): SIP answers again within 3 s.
    started = time.monotonic()
    office.start_core(toml)  # the restart closes what the last kill left open
    wait_for(lambda: _sip_answers(office.sip_port), 3.0 - (time.monotonic() - started),
             step=0.02, what="the restarted core to answer SIP")
    rows = {r["caller_raw"]: r for r in office.records()}
    assert len(must_have) >= 5, "the storm ended too few calls to prove anything"
    missing = sorted(must_have - set(rows))
    assert not missing, f"ended calls lost at a kill: {missing}"
    assert all(rows[c]["disposition"] in {"answered", "abandoned"} for c in must_have)
    assert all(r["disposition"] is not None and r["ended_at"] for r in rows.values())
    assert any(r["disposition"] == "interrupted" for r in rows.values())
    conn = sqlite3.connect(db_path(office.data))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
