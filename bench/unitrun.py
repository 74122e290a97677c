"""Run a service the way its systemd unit says: the unit's ExecStart, ``Restart=`` and
``RestartSec=``, and ``Type=notify`` (READY=1 read from a NOTIFY_SOCKET we own).

For the fault benchmarks and tests (issue #8 item 3): SIGKILL the core and let this
restart it exactly as systemd on the box would, with the timeline of each restart.
The unit's paths are mapped to this checkout: ``/opt/callbox/bin/callbox`` → this
Python's ``-m appliance``, ``/var/lib/callbox`` → the given data directory.
"""

from __future__ import annotations

import os
import tempfile
import shlex
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_UNIT = ROOT / "systemd" / "callbox-core.service"


def unit_service(path: Path) -> dict[str, str]:
    """The ``[Service]`` section's keys (the last value of a repeated key wins)."""
    section, keys = "", {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line:
            key, value = line.split("=", 1)
            keys[key.strip()] = value.strip()
    return keys


def seconds(value: str) -> float:
    """systemd time spans as the core's unit writes them: ``3s``, ``500ms``, ``1min``, ``3``."""
    for suffix, scale in (("ms", 0.001), ("min", 60.0), ("s", 1.0)):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * scale
    return float(value)


@dataclass
class Start:
    """One start of the service: when it was spawned, said READY=1, and exited."""
    pid: int
    spawned: float
    ready: float | None = None
    exited: float | None = None
    returncode: int | None = None


@dataclass
class UnitRunner:
    data: Path
    log: Path
    unit: Path = CORE_UNIT
    env: dict[str, str] = field(default_factory=dict)
    starts: list[Start] = field(default_factory=list)

    def __post_init__(self) -> None:
        service = unit_service(self.unit)
        self.restart = service.get("Restart", "no")
        self.restart_s = seconds(service.get("RestartSec", "100ms"))
        exe = "/opt/callbox/bin/callbox"
        argv = shlex.split(service["ExecStart"].replace("/var/lib/callbox", str(self.data)))
        assert argv[0] == exe, argv
        self.argv = [sys.executable, "-m", "appliance", *argv[1:]]
        self._stop = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._notify_path = os.path.join(tempfile.gettempdir(), f"cb-notify-{os.getpid()}-{id(self)}.sock")
        self._notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._notify.bind(self._notify_path)
        self._notify.settimeout(0.2)
        self._threads = [threading.Thread(target=self._supervise, daemon=True),
                         threading.Thread(target=self._listen, daemon=True)]

    # -- what systemd does ---------------------------------------------------------
    def start(self, timeout: float = 90.0) -> "UnitRunner":
        for thread in self._threads:
            thread.start()
        self.wait_ready(1, timeout)
        return self

    def _spawn(self) -> None:
        out = open(self.log, "ab")
        env = {**os.environ, **self.env, "NOTIFY_SOCKET": self._notify_path,
               "PYTHONFAULTHANDLER": "1"}
        proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        out.close()
        with self._lock:
            self._proc = proc
            self.starts.append(Start(proc.pid, time.time()))

    def _supervise(self) -> None:
        while not self._stop.is_set():
            self._spawn()
            code = self._proc.wait()
            with self._lock:
                self.starts[-1].exited, self.starts[-1].returncode = time.time(), code
            if self._stop.is_set() or not self._restarts(code):
                return
            self._stop.wait(self.restart_s)  # RestartSec=

    def _restarts(self, code: int) -> bool:
        if self.restart == "always":
            return True
        return self.restart in ("on-failure", "on-abnormal", "on-abort") and code != 0

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._notify.recv(4096).decode(errors="replace")
            except OSError:
                continue
            with self._lock:
                if "READY=1" in message.split("\n") and self.starts and self.starts[-1].ready is None:
                    self.starts[-1].ready = time.time()

    # -- what the test does --------------------------------------------------------
    @property
    def pid(self) -> int:
        return self._proc.pid

    def wait_ready(self, count: int, timeout: float) -> Start:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.starts) >= count and self.starts[count - 1].ready:
                    return self.starts[count - 1]
            time.sleep(0.01)
        raise AssertionError(f"start {count} not READY=1 within {timeout} s:\n"
                             + self.log.read_text(errors="replace")[-3000:])

    def kill(self) -> float:
        """SIGKILL the running service (a crash, the OOM killer); the time it was sent."""
        at = time.time()
        self._proc.kill()
        return at

    def stop(self) -> None:
        self._stop.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()  # systemctl stop: SIGTERM
            try:
                self._proc.wait(20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for thread in self._threads:
            thread.join(5)
        self._notify.close()
        Path(self._notify_path).unlink(missing_ok=True)


def provision(toml: str, data: Path, work: Path) -> None:
    """``callbox provision`` into the data directory, as the box's first boot does."""
    path = work / "callbox.toml"
    path.write_text(toml, encoding="utf-8")
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "appliance", "provision", str(path), "--data", str(data)],
                   check=True, cwd=ROOT, capture_output=True)
