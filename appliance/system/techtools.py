"""The technician's tools as core control actions (the web's Tools page calls them).

``core_info`` (version, start time, uptime), ``lamp_test`` (every lamp alone, in turn),
``modem_info {line}`` (model, IMEI, ICCID, the SIM's own number — asked of the modem
with standard AT commands on the line's own worker thread), ``modem_power_cycle
{line}`` (the line's power hook), ``core_restart`` and ``box_shutdown``. The last two
need systemd: the core exits and systemd starts it again (Restart=always); a shutdown
is a request file that ``callbox-poweroff.path`` (root) acts on — the core itself has
no privileges. Outside systemd (the demo) both are refused with the reason.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable

from appliance.errors import CallboxError
from appliance.i18n import N_

log = logging.getLogger("callbox.techtools")

POWEROFF_REQUEST = "run/poweroff-request"
MODEM_QUERY_TIMEOUT_S = 10.0
_ICCID = re.compile(r"(\d{18,22}[0-9F]?)")
_CNUM = re.compile(r'\+CNUM:\s*"[^"]*"\s*,\s*"([^"]+)"')


def parse_identity(replies: dict[str, list[str]]) -> dict[str, str]:
    """Model, IMEI, ICCID and own number from the modem's replies (missing = "")."""
    def first(cmd: str, pattern: re.Pattern | None = None) -> str:
        for line in replies.get(cmd, []):
            text = line.strip()
            if not text or text in ("OK", "ERROR") or text.startswith("+CME ERROR"):
                continue
            if pattern is None:
                return text.split(":", 1)[-1].strip() if text.startswith("+CGMM") else text
            match = pattern.search(text)
            if match:
                return match.group(1)
        return ""
    iccid = first("AT+CCID", _ICCID) or first("AT+QCCID", _ICCID) or first("AT^ICCID?", _ICCID)
    imei = re.sub(r"\D", "", first("AT+CGSN"))
    return {"model": first("AT+CGMM"), "imei": imei if len(imei) in (14, 15, 16) else "",
            "iccid": iccid, "own_number": first("AT+CNUM", _CNUM)}


def query_identity(command: Callable[[str], list[str]]) -> dict[str, str]:
    """Ask the modem; a command it refuses just leaves its field empty."""
    replies: dict[str, list[str]] = {}
    for cmd in ("AT+CGMM", "AT+CGSN", "AT+CCID", "AT+QCCID", "AT+CNUM"):
        if cmd == "AT+QCCID" and _ICCID.search(" ".join(replies.get("AT+CCID", []))):
            continue
        try:
            replies[cmd] = list(command(cmd))
        except Exception as exc:  # noqa: BLE001 - unsupported here: the field stays empty
            log.info("modem does not answer %s: %s", cmd, exc)
    return parse_identity(replies)


def under_systemd() -> bool:
    return bool(os.environ.get("INVOCATION_ID"))


class TechTools:
    def __init__(self, data_dir: Path, version: str, lines: Callable[[], dict[str, Any]],
                 lamps: Any, systemd: Callable[[], bool] = under_systemd,
                 stop_self: Callable[[], None] | None = None):
        self.data_dir, self.version, self._lines, self.lamps = Path(data_dir), version, lines, lamps
        self.started = time.time()
        self._systemd = systemd
        self._stop_self = stop_self or (lambda: os.kill(os.getpid(), signal.SIGTERM))

    def actions(self) -> dict[str, Callable[[dict], Any]]:
        return {"core_info": self.core_info, "lamp_test": self.lamp_test,
                "modem_info": self.modem_info, "modem_power_cycle": self.modem_power_cycle,
                "core_restart": self.core_restart, "box_shutdown": self.box_shutdown}

    def core_info(self, args: dict) -> dict:
        return {"version": self.version, "pid": os.getpid(),
                "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
                "uptime_s": round(time.time() - self.started), "systemd": self._systemd()}

    def lamp_test(self, args: dict) -> dict:
        threading.Thread(target=self.lamps.self_test, name="lamp-test", daemon=True).start()
        return {"lamps": len(self.lamps.status())}

    def _gsm(self, args: dict) -> Any:
        name = str(args.get("line") or "")
        line = self._lines().get(name)
        if line is None or not hasattr(line, "post"):
            raise CallboxError(N_("no GSM line named %(name)s"), name=name)
        return line

    def _on_worker(self, line: Any, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the line's worker thread (the only one that talks to the modem)."""
        done: Future = Future()
        def run() -> None:
            try:
                done.set_result(fn())
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                done.set_exception(exc)
        line.post(run)
        return done.result(MODEM_QUERY_TIMEOUT_S)

    def modem_info(self, args: dict) -> dict:
        line = self._gsm(args)
        info = self._on_worker(line, lambda: query_identity(line.command))
        return {"line": line.name, **info}

    def modem_power_cycle(self, args: dict) -> dict:
        line = self._gsm(args)
        if not self._on_worker(line, line.power_cycle):
            raise CallboxError(N_("%(name)s has no power switch (set power_hook in callbox.toml)"),
                               name=line.name)
        log.warning("modem of line %s power-cycled by a technician", line.name)
        return {"line": line.name, "power_cycled": True}

    def core_restart(self, args: dict) -> dict:
        if not self._systemd():
            raise CallboxError(N_("the core restarts itself only on the box (under systemd)"))
        log.warning("core restart asked by a technician")
        threading.Timer(0.5, self._stop_self).start()  # answer first, then go
        return {"restarting": True}

    def box_shutdown(self, args: dict) -> dict:
        if not self._systemd():
            raise CallboxError(N_("the box shuts down from here only on the box (under systemd)"))
        request = self.data_dir / POWEROFF_REQUEST
        request.parent.mkdir(parents=True, exist_ok=True)
        request.write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))
        log.warning("shutdown asked by a technician")
        return {"shutting_down": True}
