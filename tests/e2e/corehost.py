"""Runs a real callbox core in its own process for the end-to-end tests.

pjsua2 aborts the whole process on an internal assert, so tests never load it
themselves. This host is the production core (``appliance.app.build``) with the
lamps on gpiozero's MockFactory; one extra control action, ``pins``, returns each
mock pin's recorded history so tests can assert what the lamps did.

    python tests/e2e/corehost.py --config FILE.toml --data DIR --sip 127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from gpiozero.pins.mock import MockFactory

from appliance.app import CoreOptions, build
from appliance.commands import wait_for_signal
from appliance.config.loader import load_toml


def pin_history(factory: MockFactory, args: dict) -> dict:
    """Each pin's changes as [monotonic time, state] (MockPin stores time since the
    previous change; its last change time anchors the sums)."""
    out = {}
    for number in args.get("pins", []):
        pin = factory.pin(int(number))
        states = list(pin.states)
        when, history = pin._last_change, []
        for state in reversed(states):
            history.append([when, bool(state.state)])
            when -= state.timestamp
        out[str(number)] = history[::-1]
    return out


def drive_pin(factory: MockFactory, args: dict) -> bool:
    """Drive a mock input pin (a switch or button): ``{"pin": 5, "low": true}``."""
    pin = factory.pin(int(args["pin"]))
    (pin.drive_low if args.get("low", True) else pin.drive_high)()
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--sip", required=True)
    parser.add_argument("--poll-ms", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    factory = MockFactory()
    # CALLBOX_TEST_LOG_SIP=1: pjsua's own log and the SIP wire in core.log (debugging a test)
    options = CoreOptions(sip_listen=args.sip, pin_factory=factory, poll_ms=args.poll_ms,
                          log_wire=os.environ.get("CALLBOX_TEST_LOG_SIP") == "1",
                          extra_actions={"pins": lambda a: pin_history(factory, a),
                                         "drive_pin": lambda a: drive_pin(factory, a)})
    core = build(load_toml(args.config), args.data, options)
    core.start()
    core.wait_ready()  # as `callbox core` does before READY=1
    print("CORE READY", flush=True)
    try:
        wait_for_signal()
    finally:
        core.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
