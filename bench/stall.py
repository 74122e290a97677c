"""Catch a core that stops answering during a benchmark, with evidence.

Watches SIPp's -trace_msg log: when INVITEs keep arriving but the box sent no
provisional or final answer for ``after_s`` seconds, dumps every thread of the core
once — Python stacks (py-spy, if installed) and native stacks (gdb, if installed) —
plus the core's SIP socket queues, into ``stall-*.txt`` beside the logs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path


PY_SPY = Path(sys.executable).parent / "py-spy"


class StallWatch:
    def __init__(self, work: Path, core_pid: int, sip_port: int, after_s: float = 3.0):
        self.work, self.pid, self.port, self.after_s = work, core_pid, sip_port, after_s
        self.dumped: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stallwatch", daemon=True)

    def start(self) -> "StallWatch":
        self._thread.start()
        return self

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join(30)
        return self.dumped

    def _counts(self) -> tuple[int, int]:
        log = next(self.work.glob("*_messages.log"), None)
        if log is None:
            return 0, 0
        text = log.read_bytes()
        return text.count(b"\nINVITE sip:"), text.count(b"\nSIP/2.0 1") + text.count(b"\nSIP/2.0 4")

    def _run(self) -> None:
        quiet_since, last_answers = None, -1
        while not self._stop.wait(1.0):
            invites, answers = self._counts()
            if answers != last_answers or invites <= answers:
                quiet_since, last_answers = None, answers
                continue
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= self.after_s:
                self._dump(invites, answers)
                return

    def _dump(self, invites: int, answers: int) -> None:
        out = self.work / f"stall-{int(time.time())}.txt"
        parts = [f"INVITEs {invites}, answers {answers}: no answer for {self.after_s} s\n"]
        for argv in (["ss", "-uanmp"], [str(PY_SPY), "dump", "--native", "--pid", str(self.pid)],
                     ["gdb", "-p", str(self.pid), "-batch", "-ex", "thread apply all bt 30"]):
            if shutil.which(argv[0]) is None and not Path(argv[0]).exists():
                continue
            try:
                done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
                parts.append(f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}\n")
            except subprocess.TimeoutExpired:
                parts.append(f"$ {' '.join(argv)}: timed out\n")
        out.write_text("".join(parts))
        self.dumped.append(str(out))
