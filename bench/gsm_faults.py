"""The simulated modem fails while a GSM call is up (issue #8 item 3): how long the box
takes to notice, to have the line up again, and to answer the next call.

In-process: the real ``GsmLine`` (pyserial on the simulator's pty) with the **production
timing** (``GsmTiming()``: AT ping every 15 s, 3 s ping timeout, 3 s reset settle, ...),
the simulator's power hook standing in for the relay. Per fault, with a call answered
and its audio running: fault → the call ends (``CallHungUp``), fault → the line is
``up`` again, fault → the next call is answered. The ended call's record cause comes
from ``appliance.endings`` (what the call log writes). The simulator answers in
microseconds and boots at once: on a real modem add its boot time (10–20 s on a
Quectel EC25) to every step after the reset.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from appliance.endings import box_ended
from appliance.events import CallAnswered, CallHungUp, CallOffered, DtmfReceived, LineStateChanged
from appliance.store.messages import MessageStore
from appliance.telephony.gsm.line import GsmTiming
from appliance.telephony.gsm.sim.harness import EventLog, sim_line, wait_until
from appliance.telephony.gsm.sim.modem import SimModem

FAULTS = {
    "reboot": lambda sim: sim.reboot(),  # RDY: reopen + re-init
    "hang_until_reopen": lambda sim: sim.hang(until="reopen"),  # AT ping fails, reopen cures
    "wedge": lambda sim: sim.wedge(),  # ERROR to all but AT+CFUN=1,1
    "hang_until_power": lambda sim: sim.hang(),  # silent until the power hook
    "vanish": lambda sim: sim.vanish(),  # USB cable pulled: port lost
    "garbage": lambda sim: [sim.garbage(200) for _ in range(5)],  # survived, no recovery
}


def answered_call(sim: SimModem, line, log: EventLog, timeout: float = 30.0) -> str:
    count = len(log.of(CallOffered)) + 1
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered, count=count, timeout=timeout)
    line.answer(offered.call_id)
    log.wait_for(CallAnswered, lambda e: e.call_id == offered.call_id, timeout=timeout)
    wait_until(lambda: line.media(offered.call_id), timeout)
    return offered.call_id


def one_fault(work: Path, name: str, timeout: float = 180.0) -> dict:
    sim = SimModem("quectel", work / name).start()
    log = EventLog()
    line = sim_line(sim, log, MessageStore(work / f"{name}.sqlite3"), timing=GsmTiming())
    try:
        line.start()
        log.wait_for(LineStateChanged, lambda e: e.state == "up", timeout=timeout)
        call_id = answered_call(sim, line, log)
        started = time.monotonic()
        FAULTS[name](sim)
        if name == "garbage":
            sim.press("7")
            log.wait_for(DtmfReceived, timeout=10)
            time.sleep(2.0)
            survived = not log.of(CallHungUp) and line.media(call_id) is not None
            return {"fault": name, "call_survived": survived, "recovery": "none needed"}
        hung = log.wait_for(CallHungUp, lambda e: e.call_id == call_id, timeout=timeout)
        ended = time.monotonic()
        wait_until(lambda: line.status()["state"] == "up" and line.ready, timeout, every=0.05)
        up = time.monotonic()
        answered_call(sim, line, log, timeout)
        cut = box_ended(hung.code, hung.reason)
        return {"fault": name, "call_ended_s": round(ended - started, 2),
                "line_up_s": round(up - started, 2),
                "next_call_answered_s": round(time.monotonic() - started, 2),
                "recorded": "failed" if cut and cut.failed else "NOT failed",
                "cause": cut.cause if cut else hung.reason, "power_cycles": sim.power_cycles}
    finally:
        line.stop()
        sim.stop()


def run(work: Path | None = None) -> dict:
    work = work or Path(tempfile.mkdtemp(prefix="gsm-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    return {"timing": "production (GsmTiming())",
            "faults": [one_fault(work, name) for name in FAULTS]}
