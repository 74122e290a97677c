"""A port already in use: a clear message and a non-zero exit (the demo used to print
"running" while its web server had died)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "callbox.toml"


@pytest.fixture
def taken_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appliance", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=60)


def test_web_on_a_taken_port_says_so_and_exits_non_zero(tmp_path, taken_port):
    result = _run("web", "--config", str(EXAMPLE), "--data", str(tmp_path),
                  "--http", f"127.0.0.1:{taken_port}")
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{taken_port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_on_a_taken_port_does_not_claim_to_run(tmp_path, taken_port):
    result = _run("demo", "--data", str(tmp_path), "--http", f"127.0.0.1:{taken_port}",
                  "--sip", "127.0.0.1:0", "--no-callers")
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{taken_port}" in result.stderr
    assert "is running" not in result.stdout and "Traceback" not in result.stderr


def _get(port: int, path: str = "/") -> tuple[int, str]:
    import http.client
    import time
    deadline = time.monotonic() + 20
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode()
        except OSError:
            assert time.monotonic() < deadline, "the web never answered"
            time.sleep(0.1)


def test_a_damaged_settings_file_leaves_the_web_up_with_a_recovery_page(tmp_path):
    (tmp_path / "config.json").write_text('{"config": {"1": {"office": ')  # cut by a power loss
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = subprocess.Popen([sys.executable, "-m", "appliance", "web", "--data", str(tmp_path),
                            "--http", f"127.0.0.1:{port}"], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    try:
        status, html = _get(port, "/calls")
        assert status == 503
        assert "Settings damaged" in html and "config.json" in html
        assert "callbox provision" in html  # how to recover
    finally:
        web.terminate()
        web.wait(10)
