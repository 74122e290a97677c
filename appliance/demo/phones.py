"""Simulated dispatcher phones: SIP endpoints on 127.0.0.1 that ring, answer, talk and hang up.

Run as its own process (``callbox sim-phones``): pjsua2 allows one endpoint per
process. Each finished call is appended to ``--report`` as one JSON line, which
the tests read to prove the phone rang, answered and heard the caller.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from dataclasses import dataclass

from appliance.demo.ua import SimCall, SimUA
from appliance.demo.voices import make_voice

log = logging.getLogger("callbox.sim.phones")


@dataclass
class PhoneSpec:
    user: str
    host: str
    port: int
    mode: str = "answer"  # answer | noanswer | busy

    @classmethod
    def parse(cls, text: str) -> "PhoneSpec":
        """``101@127.0.0.1:5071`` or ``103@127.0.0.1:5073,mode=noanswer``."""
        main, *opts = text.split(",")
        user, _, hostport = main.partition("@")
        host, _, port = hostport.rpartition(":")
        spec = cls(user, host or "127.0.0.1", int(port))
        for opt in opts:
            key, _, value = opt.partition("=")
            if key == "mode":
                spec.mode = value
        return spec


def parse_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


class Phones:
    def __init__(self, ua: SimUA, specs: list[PhoneSpec], answer_after: tuple[float, float],
                 hangup_after: tuple[float, float], voice: str, report: str, record_dir: str):
        self.ua, self.specs = ua, specs
        self.answer_after, self.hangup_after = answer_after, hangup_after
        self.voice, self.report, self.record_dir = voice, report, record_dir

    def start(self) -> None:
        for spec in self.specs:
            self.ua.account(spec.user, spec.port,
                            lambda acc, pj_id, spec=spec: self._incoming(spec, acc, pj_id))

    def _incoming(self, spec: PhoneSpec, acc, pj_id: int) -> None:
        sim = self.ua.adopt(acc, pj_id)
        sim.info.update(phone=spec.user, offered=time.time(), answered=False)
        sim.on_end = self._ended
        if spec.mode == "busy":
            self.ua.respond(sim, 486)
            return
        self.ua.respond(sim, 180)
        if spec.mode == "noanswer":
            return
        sim.on_media = self._talk
        self.ua.later(random.uniform(*self.answer_after), lambda: self._answer(sim))

    def _answer(self, sim: SimCall) -> None:
        if sim.ended:
            return
        self.ua.respond(sim, 200)
        sim.info["answered"] = True
        if self.hangup_after[1] > 0:
            self.ua.later(random.uniform(*self.hangup_after), lambda: self.ua.hangup(sim))

    def _talk(self, sim: SimCall) -> None:
        self.ua.play(sim, self.voice)
        if self.record_dir:
            path = os.path.join(self.record_dir, f"{sim.info['phone']}-{sim.key}.wav")
            self.ua.record(sim, path)
            sim.info["recording"] = path
        self._sample(sim)

    def _sample(self, sim: SimCall) -> None:
        if not sim.ended:
            self.ua.sample_rx(sim)
            self.ua.later(0.2, lambda: self._sample(sim))

    def _ended(self, sim: SimCall, code: int, reason: str) -> None:
        record = {**sim.info, "ended": time.time(), "code": code, "reason": reason}
        log.info("phone %s call ended: %s", sim.info.get("phone"), record)
        if self.report:
            with open(self.report, "a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="callbox sim-phones")
    parser.add_argument("--phone", action="append", required=True, type=PhoneSpec.parse)
    parser.add_argument("--answer-after", type=parse_range, default=(1.0, 5.0))
    parser.add_argument("--hangup-after", type=parse_range, default=(10.0, 30.0),
                        help="seconds; 0 = never (the caller hangs up)")
    parser.add_argument("--voice", default="")
    parser.add_argument("--report", default="")
    parser.add_argument("--record-dir", default="")
    parser.add_argument("--data", default="var")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    voice = args.voice or make_voice(os.path.join(args.data, "sim", "dispatcher.wav"),
                                     "Taxi office, hello. Where shall we pick you up?")
    ua = SimUA(sorted({s.port for s in args.phone}))
    ua.start()
    Phones(ua, args.phone, args.answer_after, args.hangup_after, voice, args.report,
           args.record_dir).start()
    print("READY", flush=True)
    ua.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
