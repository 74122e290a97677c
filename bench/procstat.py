"""/proc readings for the benchmarks: a process tree's CPU, memory, threads, fds and
block-device writes, sampled once a second, and how busy the rest of the machine was."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc/<pid>/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                pass
    return out


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:  # the process just ended
        return ""


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        text = _read(f"/proc/{pid}/stat")
        if text:
            fields = text.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def status_value(pid: int, key: str) -> int:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def rss_mib(pids: list[int]) -> float:
    return sum(status_value(pid, "VmRSS") for pid in pids) / 1024


def fd_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def io_bytes(pid: int) -> dict[str, int]:
    """/proc/<pid>/io: ``write_bytes`` is what reached the block layer (page cache
    written back counts for the process that dirtied it)."""
    out = {}
    for line in _read(f"/proc/{pid}/io").splitlines():
        key, _, value = line.partition(":")
        out[key.strip()] = int(value)
    return out


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in _read("/proc/stat").splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total


def loadavg() -> float:
    return float(_read("/proc/loadavg").split()[0])


@dataclass
class Sampler:
    """Samples ``pid``'s tree every ``interval`` s on its own thread."""

    pid: int
    interval: float = 1.0
    cpu_pct: list[float] = field(default_factory=list)   # % of one core, per interval
    rss: list[float] = field(default_factory=list)       # MiB, tree total
    threads: list[int] = field(default_factory=list)
    extra: list = field(default_factory=list)            # what ``probe`` returned
    probe: object = None                                 # optional callable, each sample

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self) -> "Sampler":
        self._busy0 = machine_busy()
        self._cpu0, self._t0 = cpu_seconds(tree(self.pid)), time.monotonic()
        self._load0 = loadavg()
        self._thread.start()
        return self

    def _run(self) -> None:
        last_cpu, last_t = self._cpu0, self._t0
        while not self._stop.wait(self.interval):
            pids = tree(self.pid)
            cpu, now = cpu_seconds(pids), time.monotonic()
            self.cpu_pct.append(100 * (cpu - last_cpu) / max(1e-6, now - last_t))
            last_cpu, last_t = cpu, now
            self.rss.append(rss_mib(pids))
            self.threads.append(status_value(self.pid, "Threads"))
            if callable(self.probe):
                try:
                    self.extra.append(self.probe())
                except Exception:  # a probe that fails (core busy) skips one sample
                    pass

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join(5)
        seconds = time.monotonic() - self._t0
        cpu = cpu_seconds(tree(self.pid)) - self._cpu0
        busy1 = machine_busy()
        busy = busy1[0] - self._busy0[0]
        total = max(1, busy1[1] - self._busy0[1])
        cores = os.cpu_count() or 1
        return {
            "seconds": round(seconds, 1),
            "cpu_pct_mean": round(100 * cpu / max(1e-6, seconds), 1),
            "cpu_pct_max_1s": round(max(self.cpu_pct, default=0.0), 1),
            "rss_peak_mib": round(max(self.rss, default=0.0), 1),
            "threads_max": max(self.threads, default=0),
            # the whole machine, in cores busy, minus what this tree used
            "machine_busy_cores": round(busy / total * cores, 2),
            "others_busy_cores": round(max(0.0, busy / total * cores - cpu / seconds), 2),
            "loadavg": [self._load0, loadavg()],
        }
