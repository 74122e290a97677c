"""The data partition fills up (issue #8 item 3): the box keeps answering and bridging,
starts again after a power cut on the full disk, raises the disk alarm (the web's
/api/status, which the live page shows, and the status lamp, a gpiozero MockFactory
pin, blinking), keeps the call records in memory and writes them when space returns;
SQLite stays intact. The data directory is a small tmpfs (the tests run as root, like CI).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

from harness import PCAPS, SCENARIOS, free_port, lamp_phases, office_toml, sipp, wait_for
from appliance.auth.users import UserStore
from appliance.config.loader import load_toml
from appliance.store.db import db_path
from web import create_app
from web.server import make_server

STATUS_LAMP = 5

pytestmark = [pytest.mark.sip]


@pytest.fixture
def small_disk(office):
    office.data.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.fail("the full-disk test mounts a tmpfs: run it as root (CI does)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(office.data)], check=True)
    yield office.data
    office.stop()
    subprocess.run(["umount", "-l", str(office.data)], check=False)


def _fill(path: Path) -> Path:
    filler = path / "filler.bin"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def _call(office, user: str):
    result, _ = sipp(office, "caller.xml", template={"greet_ms": 1000, "talk_ms": 2000},
                     keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap", "user": user})
    assert result.returncode == 0, result.stdout[-2000:]


def _web(office):
    """The web, in this process (no pjsua2 here), started while the disk has room."""
    app = create_app(load_toml(office.tmp / "callbox.toml"), office.data, office.control)
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    token = UserStore(office.data).create_token("supervisor")
    return server, f"http://127.0.0.1:{server.effective_port}", token


def _api_status(base: str, token: str) -> dict:
    request = urllib.request.Request(base + "/api/status",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def _disk_alarm(status: dict) -> bool:
    return any(a["source"].startswith("health") or "disk" in a["source"]
               or "disk" in (a.get("msgid") or "") for a in status.get("alarms") or [])


def _status_lamp(office) -> list[str]:
    return lamp_phases(office.pins(STATUS_LAMP)[STATUS_LAMP])


def test_full_data_disk_keeps_calls_going_and_loses_no_record(office, small_disk):
    toml = office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                       rtp_port=office.rtp_port)
    toml = toml.replace("queue_waiting = 22", f"queue_waiting = 22\nstatus = {STATUS_LAMP}")
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"])
    core = office.start_core(toml)
    assert _status_lamp(office)[-1] == "on"  # steady: running, no alarm
    server, base, token = _web(office)
    _call(office, "09120000001")
    office.ended_records(1)
    talking = subprocess.Popen(  # a conversation is up when the power goes
        ["sipp", f"127.0.0.1:{office.sip_port}", "-sf", str(_talker(office)), "-m", "1",
         "-i", "127.0.0.1", "-p", str(free_port()), "-mp", str(free_port(span=4)), "-nostdin",
         "-key", "user", "09120000009", "-key", "dtmf_pcap", str(PCAPS / "dtmf_2833_1.pcap"),
         "-key", "pt", "101", "-timeout", "20s"], cwd=office.tmp,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: {d["name"]: d["state"] for d in office.control.status()["dispatchers"]}
             == {"anna": "busy"}, 10, what="the conversation to be bridged")
    core.proc.send_signal(signal.SIGKILL)  # a power cut...
    core.proc.wait(10)
    office.procs.remove(core)
    filler = _fill(small_disk)  # ...with the disk full
    office.start_core(toml)  # the core starts all the same
    status = wait_for(lambda: (s := office.control.status()) and _disk_alarm(s) and s,
                      15, what="the disk alarm")
    wait_for(lambda: _disk_alarm(_api_status(base, token)), 15, what="the alarm on the web")
    wait_for(lambda: "blink" in _status_lamp(office), 10, what="the status lamp to blink")
    _call(office, "09120000002")  # answered, queued, bridged to anna
    assert office.control.status()["calllog"]["kept"] > 0, "the record is kept in memory"
    calls = wait_for(lambda: len(office.phone_calls()) >= 2 and office.phone_calls(), 10,
                     what="the dispatcher to take the second call")
    assert calls[-1]["answered"]
    filler.unlink()  # space returns: the kept record is written
    rows = wait_for(lambda: [r for r in office.records()
                             if r["caller_raw"] == "09120000002" and r["disposition"]], 30,
                    what="the record kept in memory to be written")
    assert rows[0]["disposition"] == "answered" and rows[0]["dispatcher"] == "anna"
    [cut] = [r for r in office.records() if r["caller_raw"] == "09120000009"]
    assert cut["disposition"] == "interrupted" and cut["ended_at"]
    assert office.control.status()["calllog"]["kept"] == 0
    talking.kill()
    talking.wait()
    server.close()
    conn = sqlite3.connect(db_path(office.data))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert status["alarms"]


def _talker(office) -> Path:
    path = office.tmp / "run-talker.xml"
    text = (SCENARIOS / "caller.xml").read_text()
    for key, value in {"greet_ms": "1000", "talk_ms": "15000", "voice": ""}.items():
        text = text.replace("{" + key + "}", value)
    path.write_text(text)
    return path
