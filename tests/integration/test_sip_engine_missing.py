"""An image built without the pjsua2 wheel: the core runs, says "SIP engine missing"
on its status (and so on the page), and does not crash-loop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from appliance.control.client import ControlClient
from appliance.control.protocol import socket_path

ROOT = Path(__file__).resolve().parents[2]


def test_core_without_pjsua2_reports_the_missing_engine(tmp_path):
    blocker = tmp_path / "no-pjsua2" / "pjsua2"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('pjsua2 is not installed')\n")
    config = tmp_path / "callbox.toml"
    config.write_text('[office]\nname = "No SIP"\n[lamps]\npin_factory = "mock"\n')
    env = {**os.environ, "PYTHONPATH": f"{blocker.parent}:{ROOT}"}
    log = open(tmp_path / "core.log", "wb")
    core = subprocess.Popen([sys.executable, str(ROOT / "tests/e2e/corehost.py"), "--config",
                             str(config), "--data", str(tmp_path / "data"), "--sip",
                             "127.0.0.1:0"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while b"CORE READY" not in (tmp_path / "core.log").read_bytes():
            assert core.poll() is None, (tmp_path / "core.log").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        status = ControlClient(socket_path(tmp_path / "data")).status()
        alarms = {(a["source"], a["message"]) for a in status["alarms"]}
        assert ("sip", "SIP engine missing: the pjsua2 module is not installed") in alarms
        [line] = [l for l in status["lines"] if l["kind"] == "sip"]
        assert line["state"] == "alarm" and "SIP engine missing" in line["detail"]
        time.sleep(1.0)
        assert core.poll() is None  # still running: no crash loop
    finally:
        core.send_signal(signal.SIGTERM)
        assert core.wait(15) == 0
        log.close()
