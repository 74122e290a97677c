"""A line's health (signal, registration, operator, SIM, balance, alarm) and the one
state name the rest of the box shows; LineStateChanged is published when it changes.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from typing import Callable

from appliance.events import Event, LineStateChanged

SIM_BAD = ("absent", "pin", "puk", "rejected")


@dataclass(frozen=True)
class Health:
    port: str = "down"  # down | up
    sim: str = "unknown"  # ready | pin | puk | absent | rejected | unknown
    registration: str = "unknown"  # home | roaming | searching | denied | unregistered | unknown
    signal_dbm: int | None = None
    operator: str = ""
    balance: str = ""
    alarm: str = ""
    busy: bool = False
    waiting: str = ""  # a second caller (+CCWA) while the line is busy, "" when none

    @property
    def state(self) -> str:
        """up | down | no-sim | unregistered | no-signal | busy | alarm."""
        if self.alarm:
            return "alarm"
        if self.port != "up":
            return "down"
        if self.sim in SIM_BAD:
            return "no-sim"
        if self.busy:
            return "busy"
        if self.registration not in ("home", "roaming"):
            return "no-signal" if self.signal_dbm is None else "unregistered"
        if self.signal_dbm is None:
            return "no-signal"
        return "up"

    @property
    def detail(self) -> str:
        if self.alarm:
            return self.alarm
        parts = [self.operator, f"{self.signal_dbm} dBm" if self.signal_dbm is not None else "",
                 f"sim {self.sim}" if self.sim in SIM_BAD else ""]
        return ", ".join(p for p in parts if p)


class HealthTracker:
    def __init__(self, line: str, publish: Callable[[Event], None]):
        self._line = line
        self._publish = publish
        self._lock = threading.Lock()
        self._health = Health()
        self._published_state = ""

    @property
    def current(self) -> Health:
        return self._health

    def update(self, **changes) -> Health:
        with self._lock:
            self._health = replace(self._health, **changes)
            health = self._health
            changed = health.state != self._published_state
            if changed:
                self._published_state = health.state
        if changed:
            self._publish(LineStateChanged(line=self._line, kind="gsm", state=health.state,
                                           detail=health.detail))
        return health

    def status(self, name: str) -> dict:
        h = self._health
        out = {"name": name, "kind": "gsm", "state": h.state}
        out.update({k: v for k, v in asdict(h).items() if k not in ("port", "busy")})
        return out
