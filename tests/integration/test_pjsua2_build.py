"""The SIP engine's build script: refuses a source that is not the pristine pjproject,
says so when there is none, and serves a wheel it built before from its cache."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "image-build" / "pjsua2" / "build-wheel.sh"
SOURCE = Path(os.environ.get("PJPROJECT_SRC", ROOT.parent / "shared/vendor/pjproject-2.15.1.tar.gz"))


def _run(tmp_path: Path, source: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PJPROJECT_SRC": str(source)}
    return subprocess.run(["bash", str(SCRIPT), "--python", sys.executable, "--out",
                           str(tmp_path / "out"), *args], env=env, capture_output=True,
                          text=True, timeout=1200)


def test_a_tampered_source_is_refused(tmp_path):
    fake = tmp_path / "pjproject-2.15.1.tar.gz"
    fake.write_bytes(b"not the upstream release")
    result = _run(tmp_path, fake)
    assert result.returncode == 3
    assert "REFUSED" in result.stderr and "expected f70f6f25" in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_missing_source_is_named(tmp_path):
    result = _run(tmp_path, tmp_path / "nowhere.tar.gz")
    assert result.returncode == 2 and "nowhere.tar.gz" in result.stderr


def test_the_wheel_is_built_once_then_served_from_the_cache(tmp_path):
    if not SOURCE.is_file():
        pytest.skip(f"no pjproject source at {SOURCE} (only the PyPI wheel can be used)")
    first = _run(tmp_path, SOURCE, "--print-path")  # built by `make setup` already, or now
    assert first.returncode == 0, first.stderr[-2000:]
    again = _run(tmp_path, SOURCE, "--print-path")
    assert again.returncode == 0 and "cached" in again.stderr
    wheel = Path(again.stdout.strip())
    assert wheel.parent == tmp_path / "out" and wheel.name.startswith("pjsua2-2.15.1+callbox.")
    names = zipfile.ZipFile(wheel).namelist()
    assert "pjsua2.py" in names and any(n.startswith("_pjsua2.cpython-") for n in names)
    assert any(n.endswith(".dist-info/RECORD") for n in names)
