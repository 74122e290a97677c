"""Shared rig for the GSM integration tests: a simulated modem behind a pty and a real
GsmLine opening it with pyserial, stopped after the test."""

from __future__ import annotations

import pytest

from appliance.events import LineStateChanged
from appliance.store.messages import MessageStore
from appliance.telephony.gsm.sim.harness import EventLog, sim_line
from appliance.telephony.gsm.sim.modem import SimModem


@pytest.fixture
def sim_rig(tmp_path):
    """``make(profile, ...) -> (sim, line, log, store)``; the line is up unless ``wait_up=False``."""
    made = []

    def make(profile="quectel", *, line_profile=None, pin="", sim_pin="", power=True,
             balance="", wait_up=True, before_start=None, timing=None, **sim_kw):
        sim = SimModem(profile, tmp_path / f"sim-{len(made)}", pin=sim_pin, **sim_kw).start()
        if before_start:
            before_start(sim)
        log = EventLog()
        store = MessageStore(tmp_path / "callbox.sqlite3")
        line = sim_line(sim, log, store, profile=line_profile, pin=pin, power=power,
                        balance_ussd=balance, timing=timing)
        made.append((sim, line))
        line.start()
        if wait_up:
            log.wait_for(LineStateChanged, lambda e: e.state == "up")
        return sim, line, log, store
    yield make
    for sim, line in made:
        line.stop()
        sim.stop()
