"""`callbox demo` (what `make run` starts) serves the page and calls flow with no hardware."""

from __future__ import annotations

import http.cookiejar
import json
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from harness import ROOT, free_port, wait_for

pytestmark = [pytest.mark.sip, pytest.mark.slow]


def _login(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login", timeout=5).read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "username": "admin", "password": "admin"})
    opener.open(base + "/login", data=form.encode(), timeout=5)
    return opener


def _get_json(opener, url):
    try:
        return json.load(opener.open(url, timeout=5))
    except OSError:
        return None


def test_demo_serves_the_page_and_calls_flow(tmp_path):
    http_port, sip_port = free_port(), free_port()
    base = f"http://127.0.0.1:{http_port}"
    log = open(tmp_path / "demo.log", "wb")
    demo = subprocess.Popen([sys.executable, "-m", "appliance", "demo", "--data", str(tmp_path / "var"),
                             "--http", f"127.0.0.1:{http_port}", "--sip", f"127.0.0.1:{sip_port}",
                             "--call-every", "3"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        opener = wait_for(lambda: _try_login(base), 60, 0.5, "the demo's web page")
        page = opener.open(base + "/", timeout=5).read().decode()
        assert "Demo Taxi" in page
        status = wait_for(lambda: _get_json(opener, base + "/api/status"), 20, 0.5, "status")
        assert {d["name"] for d in status["dispatchers"]} == {"Ali", "Sara"}
        assert status["demo"]["callers"] is True
        answered = wait_for(lambda: [c for c in _get_json(opener, base + "/api/calls") or []
                                     if c["disposition"] == "answered"],
                            90, 1.0, "a generated call answered by a simulated phone")
        assert answered[0]["dispatcher"] in {"Ali", "Sara"}
    finally:
        demo.send_signal(signal.SIGINT)
        code = demo.wait(20)
        log.close()
    output = (tmp_path / "demo.log").read_text(errors="replace")
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


def _try_login(base: str):
    try:
        opener = _login(base)
        opener.open(base + "/api/status", timeout=5)
        return opener
    except (OSError, AttributeError):
        time.sleep(0.2)
        return None
