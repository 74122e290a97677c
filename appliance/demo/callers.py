"""Simulated customers: call the box every few seconds, pick a menu option, talk, hang up.

Runs as its own process (``callbox sim-callers``). SIGUSR1 pauses the generator,
SIGUSR2 resumes it (the demo's "callers" switch on the web page).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import sys
import time

from appliance.demo.ua import SimCall, SimUA
from appliance.demo.voices import make_voice

log = logging.getLogger("callbox.sim.callers")

NUMBERS = ["09121234567", "09351112233", "+79161234567", "02188776655", "09127654321",
           "+447700900123", "09193334455"]


class Callers:
    def __init__(self, ua: SimUA, target: str, every: float, max_calls: int, voice: str,
                 rng: random.Random):
        self.ua, self.target = ua, target
        self.every, self.max_calls, self.voice, self.rng = every, max_calls, voice, rng
        self.enabled = True
        self._accounts: dict[str, object] = {}
        self._quiet_until = 0.0  # after a 486 the office is full: let it breathe

    def start(self) -> None:
        signal.signal(signal.SIGUSR1, lambda *_: self._set(False))
        signal.signal(signal.SIGUSR2, lambda *_: self._set(True))
        self.ua.later(1.0, self._tick)

    def _set(self, enabled: bool) -> None:
        self.enabled = enabled
        log.info("caller generator %s", "on" if enabled else "off")

    def _tick(self) -> None:
        self.ua.later(self.rng.uniform(0.6, 1.4) * self.every, self._tick)
        live = sum(1 for c in self.ua.calls.values() if not c.ended)
        if self.enabled and live < self.max_calls and time.monotonic() >= self._quiet_until:
            self._call()

    def _call(self) -> None:
        number = self.rng.choice(NUMBERS)
        if number not in self._accounts:  # the caller ID is the From user: one account a number
            self._accounts[number] = self.ua.account(number, self.ua.ports[0])
        sim = self.ua.dial(self._accounts[number], self.target)
        sim.on_confirmed = self._answered
        sim.on_media = lambda s: self.ua.play(s, self.voice)
        sim.on_end = self._ended

    def _ended(self, sim: SimCall, code: int, reason: str) -> None:
        if code == 486:
            self._quiet_until = time.monotonic() + 3 * self.every

    def _answered(self, sim: SimCall) -> None:
        digit = self.rng.choices(["1", "2", "0", "7", ""], weights=[60, 20, 8, 6, 6])[0]
        if digit:
            self.ua.later(self.rng.uniform(1.5, 3.0), lambda: self.ua.dtmf(sim, digit))
        patience = self.rng.uniform(8, 20) if self.rng.random() < 0.15 else self.rng.uniform(30, 60)
        self.ua.later(patience, lambda: self.ua.hangup(sim))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="callbox sim-callers")
    parser.add_argument("--target", default="sip:callbox@127.0.0.1:5060")
    parser.add_argument("--port", type=int, default=5080, help="local SIP port")
    parser.add_argument("--every", type=float, default=10.0, help="mean seconds between calls")
    parser.add_argument("--max-calls", type=int, default=2)
    parser.add_argument("--paused", action="store_true", help="start switched off")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--data", default="var")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    voice = make_voice(os.path.join(args.data, "sim", "caller.wav"),
                       "Hello, I need a taxi from the railway station to Azadi square, please.")
    ua = SimUA([args.port])
    ua.start()
    gen = Callers(ua, args.target, args.every, args.max_calls, voice,
                  random.Random(args.seed))
    gen.enabled = not args.paused
    gen.start()
    print("READY", flush=True)
    ua.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
