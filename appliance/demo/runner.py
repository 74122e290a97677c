"""``callbox demo``: the core in this process, the web and the simulators beside it.

Flask never shares a process with pjsua2 (the GIL would cut holes in the audio),
and pjsua2 allows one endpoint per process, so the web, the simulated phones and
the simulated callers each get their own process.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gpiozero.pins.mock import MockFactory

from appliance.app import CoreOptions, build
from appliance.commands import wait_for_signal
from appliance.demo.demo_config import demo_ports, demo_toml
from appliance.demo.gsm_callers import GsmCallers
from appliance.errors import CallboxError
from appliance.events import SettingChanged


log = logging.getLogger("callbox.demo")

DEMO_PASSWORD = "admin"


class Child:
    """A simulator or web process, stopped with the demo."""

    def __init__(self, name: str, argv: list[str], log_path: Path):
        self.name = name
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=_die_with_parent)

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the demo dies (even by SIGKILL or an abort)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _callbox(*args: str) -> list[str]:
    return [sys.executable, "-m", "appliance", *args]


class Demo:
    def __init__(self, args: Any):
        self.args = args
        self.data = Path(args.data).resolve()
        self.sip_host, _, port = args.sip.rpartition(":")
        self.sip_port = int(port)
        self.children: dict[str, Child] = {}
        self.callers_on = not args.no_callers
        self.gsm_callers: list[GsmCallers] = []
        self.core: Any = None

    def config_file(self) -> Path:
        if self.args.config:
            return Path(self.args.config).resolve()
        path = self.data / "demo.toml"
        path.write_text(demo_toml(self.sip_host, self.sip_port), encoding="utf-8")
        return path

    def start(self) -> Any:
        from appliance.auth.users import UserStore
        from appliance.config.loader import load_toml
        self.data.mkdir(parents=True, exist_ok=True)
        (self.data / "logs").mkdir(exist_ok=True)
        config_path = self.config_file()
        config = load_toml(config_path)
        UserStore(self.data).ensure_admin(DEMO_PASSWORD, must_change=False)  # loopback only
        factory = MockFactory()
        options = CoreOptions(sip_listen=self.args.sip, pin_factory=factory,
                              extra_actions={"callers": self._action_callers},
                              extra_status=lambda: {"demo": {"callers": self.callers_on}})
        core = self.core = build(config, self.data, options)
        core.start()
        for modem in core.sim_modems.values():  # "sim:" ports: mobile customers call there
            self.gsm_callers.append(GsmCallers(modem, lambda: self.callers_on,
                                               every=self.args.call_every * 3))
            self.gsm_callers[-1].start()
        self._spawn_children(config, config_path)
        return core

    def _spawn_children(self, config: Any, config_path: Path) -> None:
        ports = demo_ports(self.sip_port)
        data, logs = str(self.data), self.data / "logs"
        phones = [f"{d.extension}@{self.sip_host}:{ports['phone' + str(i + 1)]}"
                  for i, d in enumerate(config.dispatcher[:2])]
        argv = _callbox("sim-phones", "--data", data, "--answer-after", "1-5",
                        "--hangup-after", "15-40")
        for phone in phones:
            argv += ["--phone", phone]
        self.children["phones"] = Child("phones", argv, logs / "phones.log")
        argv = _callbox("sim-callers", "--data", data, "--port", str(ports["callers"]),
                        "--target", f"sip:callbox@{self.sip_host}:{self.sip_port}",
                        "--every", str(self.args.call_every))
        if not self.callers_on:
            argv.append("--paused")
        self.children["callers"] = Child("callers", argv, logs / "callers.log")
        self.children["web"] = Child("web", _callbox("web", "--data", data, "--config",
                                                     str(config_path), "--http", self.args.http),
                                     logs / "web.log")

    def _action_callers(self, args: dict) -> dict:
        self.callers_on = bool(args.get("enabled", not self.callers_on))
        child = self.children.get("callers")
        if child is None:
            raise CallboxError("the caller generator is not running")
        child.signal(signal.SIGUSR2 if self.callers_on else signal.SIGUSR1)
        if self.core is not None:  # every open page learns of the switch at once
            self.core.bus.publish(SettingChanged(setting="demo.callers", value=self.callers_on))
        return {"callers": self.callers_on}

    def stop(self) -> None:
        for gsm in self.gsm_callers:
            gsm.stop()
        for child in self.children.values():
            child.stop()


def _check_port_free(listen: str) -> None:
    """Refuse to start (clearly, before anything runs) when the web port is taken."""
    host, _, port = listen.rpartition(":")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host.strip("[]") or "0.0.0.0", int(port)))
        except OSError as exc:
            raise CallboxError(f"the web cannot listen on {listen}: {exc.strerror or exc} "
                               "(is another callbox demo running? try --http 127.0.0.1:8081)"
                               ) from None


def _wait_for_web(demo: Demo, listen: str, timeout: float = 30.0) -> None:
    """"Running" only once the web answers; its early death is an error, not a log line."""
    host, _, port = listen.rpartition(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        child = demo.children["web"]
        if child.proc.poll() is not None:
            raise CallboxError(f"the web server stopped at start (exit {child.proc.returncode});"
                               f" see {demo.data}/logs/web.log")
        try:
            socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise CallboxError(f"the web server did not answer on {listen} within {timeout:g} s")


def run_demo(args: Any) -> int:
    _check_port_free(args.http)
    demo = Demo(args)
    core = demo.start()
    try:
        _wait_for_web(demo, args.http)
    except BaseException:
        try:
            core.stop()
        finally:
            demo.stop()
        raise
    print(f"\ncallbox demo is running: open http://{args.http}/  (user admin, password "
          f"{DEMO_PASSWORD})\nSIP on {args.sip}; logs in {demo.data}/logs; Ctrl-C stops it.\n",
          flush=True)
    try:
        wait_for_signal(lambda: _watch(demo))
    finally:
        try:
            core.stop()
        finally:
            demo.stop()
    return 0


def _watch(demo: Demo) -> None:
    for child in demo.children.values():
        code = child.proc.poll()
        if code is not None and not getattr(child, "reported", False):
            child.reported = True
            log.error("%s process exited with %s; see %s/logs/%s.log", child.name, code,
                      demo.data, child.name)
