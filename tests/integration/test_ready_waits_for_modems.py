"""READY=1 (systemd) waits until every modem finished its first initialisation — well or
badly — and never longer than the bound: a dead modem cannot hold the box back."""

from __future__ import annotations

import time

from appliance.events import LineStateChanged
from appliance.telephony.router import CallRouter


def _router(*lines) -> CallRouter:
    router = CallRouter(None, lambda event: None)
    for line in lines:
        router.lines[line.name] = line
    return router


def test_ready_after_a_modem_is_up(sim_rig):
    sim, line, log, _ = sim_rig(wait_up=False)
    assert _router(line).wait_settled(20) == []
    assert line.settled.is_set()
    log.wait_for(LineStateChanged, lambda e: e.state == "up")  # it came up, not merely gave up


def test_ready_does_not_wait_past_the_bound_for_a_hung_modem(sim_rig):
    sim, line, log, _ = sim_rig(wait_up=False, before_start=lambda s: s.hang(until="never"))
    started = time.monotonic()
    pending = _router(line).wait_settled(0.5)
    assert time.monotonic() - started < 5
    assert pending == [line.name] and not line.settled.is_set()
