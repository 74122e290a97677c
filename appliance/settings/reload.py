"""The core's ``config_reload`` action: take the stored settings the admin page saved.

What can change under a running core is applied at once, on the bus thread (queue
timeouts, targets, strategy, announcements; the IVR tree through its own reload);
what cannot (dispatchers, GSM lines, lamps, queues added or removed) is reported as
``restart_needed`` — the admin page then offers the restart (Tools).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from appliance.config.model import Config
from appliance.config.store import ConfigStore

log = logging.getLogger("callbox.settings")

LIVE_SECTIONS = ("queue",)
RESTART_SECTIONS = ("dispatcher", "gsm", "lamps", "sip", "office", "web")


class ConfigReloader:
    def __init__(self, data_dir: Path, current: Callable[[], Config],
                 set_current: Callable[[Config], None], acd: Any,
                 on_bus: Callable[[Callable[[], Any]], Any]):
        self.data_dir = Path(data_dir)
        self._current, self._set_current = current, set_current
        self.acd, self._on_bus = acd, on_bus

    def reload(self, args: dict | None = None) -> dict:
        with ConfigStore(self.data_dir) as store:
            new = store.load()
        old = self._current()
        applied: list[str] = []
        restart = [s for s in RESTART_SECTIONS if getattr(old, s) != getattr(new, s)]
        if old.queue != new.queue:
            left = self._on_bus(lambda: self.acd.update_queue_settings(new.queue))
            if left:
                restart.append("queue")
            else:
                applied.append("queue")
                self._set_current(replace(old, queue=new.queue))
        log.info("config reload: applied=%s restart_needed=%s", applied, restart)
        return {"applied": applied, "restart_needed": restart}
