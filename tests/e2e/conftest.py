"""Fixtures for end-to-end tests: each test gets its own office on fresh ports."""

from __future__ import annotations

import shutil

import pytest

from appliance.telephony.gsm.sim.modem import SimModem
from browsers import chromium
from harness import Office, free_port


@pytest.fixture
def office(tmp_path, request):
    if shutil.which("sipp") is None:
        pytest.fail("SIPp is missing: `make test` installs the Debian package sip-tester")
    box = Office(tmp_path, sip_port=free_port(), phone_ports=[free_port(), free_port(), free_port()])
    box.rtp_port = free_port(span=40)
    yield box
    box.stop()
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for log in sorted(tmp_path.glob("*.log")):
            print(f"----- {log.name} -----\n{log.read_text(errors='replace')[-6000:]}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def modem(tmp_path):
    """A simulated Quectel modem "gsm1" behind ptys, sending a 400 Hz tone as its caller."""
    sim = SimModem("quectel", tmp_path / "modem", name="gsm1", audio_source="tone").start()
    yield sim
    sim.stop()


@pytest.fixture
def browser(tmp_path):
    """A headless Chromium with its own profile, quit after the test."""
    driver = chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()
