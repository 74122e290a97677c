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
