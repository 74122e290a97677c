"""Turns the box's health alarms (power, heat, full disk) into bus events.

A small thread reads the HealthProbe once a minute (it runs ``vcgencmd`` and reads
/sys: never on the bus worker) and publishes AlarmRaised / AlarmCleared for what
changed, so the status lamp blinks and the live page shows the alarm.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from appliance import events as ev
from appliance.system.health import ALARM_PARAMS, ALARM_TEXT, alarm_english

log = logging.getLogger("callbox.health")


class HealthWatch:
    def __init__(self, probe: Any, publish: Callable[[ev.Event], None], every_s: float = 60.0):
        self._probe = probe
        self._publish = publish
        self._every = every_s
        self._raised: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    def check(self) -> None:
        """One reading: raise new alarms, clear those that went away."""
        try:
            codes = set(self._probe.read().get("alarms", []))
        except Exception:  # a broken probe is itself worth a log line, never a crash
            log.exception("health probe failed")
            return
        for code in sorted(codes - self._raised):
            log.warning("health alarm %s", code)
            self._publish(ev.AlarmRaised(source=f"health.{code}", message=alarm_english(code),
                                         msgid=ALARM_TEXT.get(code, ""), params=ALARM_PARAMS))
        for code in sorted(self._raised - codes):
            self._publish(ev.AlarmCleared(source=f"health.{code}"))
        self._raised = codes

    def _run(self) -> None:
        self.check()
        while not self._stop.wait(self._every):
            self.check()
