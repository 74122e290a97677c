"""Lamp benchmark: event published on the bus → the lamp's GPIO pin changes.

In-process with the production bus, lamp board and call log subscriber (so the
bus is doing its usual work), lamps on gpiozero's MockFactory: each mock pin
stamps its state changes, compared with the time the event was published.
"""

from __future__ import annotations

import time
from pathlib import Path

from gpiozero.pins.mock import MockFactory

from appliance import events as ev
from appliance.lamps.board import EVENT_TYPES, LampBoard
from appliance.lamps.specs import LampKind, LampSpec
from appliance.store.calllog import EVENT_TYPES as LOG_EVENTS, CallLog
from appliance.store.db import db_path
from bench.common import percentiles


def run(work: Path, changes: int = 200) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    bus = ev.EventBus()
    factory = MockFactory()
    board = LampBoard(factory, [LampSpec("anna", 17, LampKind.DISPATCHER, "anna")], bus.publish)
    calllog = CallLog(db_path(work))
    bus.subscribe(board.handle, EVENT_TYPES)
    bus.subscribe(calllog.handle, LOG_EVENTS)
    calllog.start()
    bus.start()
    pin = factory.pin(17)
    latencies = []
    state = "available"
    try:
        for i in range(changes):
            # busy (steady on) and available (off): a change the pin shows at once
            new = "busy" if state == "available" else "available"
            before = len(pin.states)
            bus.publish(ev.CallOffered(call_id=f"c{i}", line="sip", kind="sip",
                                       caller="+989121234567", caller_raw="09121234567"))
            t0 = time.monotonic()
            bus.publish(ev.DispatcherStateChanged(dispatcher="anna", state=new, previous=state))
            while len(pin.states) == before:
                time.sleep(0.0001)
            latencies.append((pin._last_change - t0) * 1000)  # mock pins stamp with monotonic
            state = new
            time.sleep(0.005)
    finally:
        bus.stop()
        calllog.stop()
        board.close()
    return {"changes": changes, "event_to_pin_ms": percentiles(latencies)}
