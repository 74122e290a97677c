"""The IVR tree in force in the core, and its reload without a restart.

``tree()`` is what a new call starts with (a plain attribute read: the bus
worker calls it per call, a reload swaps it from the control thread). A call
in the menu keeps the tree it started with. ``reload()`` reads ``<data>/ivr.json``,
validates it against this box (queues, dispatchers, prompts), makes any new
prompts, and only then swaps — a bad stored tree never replaces a good one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from appliance import events as ev
from appliance.config.model import Config
from appliance.errors import CallboxError
from appliance.i18n import N_
from appliance.ivr.document import TreeError, doc_to_config
from appliance.ivr.menu import MenuTree
from appliance.ivr.night import NightSwitch
from appliance.ivr.store import IvrStore
from appliance.ivr.validate import Known, validate

log = logging.getLogger("callbox.ivr")

UNUSABLE = N_("the stored IVR tree cannot be used (%(reason)s); callers get callbox.toml's")


def known_for(config: Config, has_prompt: Callable[[str, str], bool],
              self_service: bool) -> Known:
    return Known(queues={q.name for q in config.queue},
                 dispatchers={d.name for d in config.dispatcher},
                 language=config.office.language, has_prompt=has_prompt,
                 self_service=self_service)


class IvrService:
    def __init__(self, config: Config, data_dir: str | Path, prompts, publish,
                 night_switch: NightSwitch, self_service: bool = False):
        self._config = config
        self._store = IvrStore(data_dir)
        self._prompts = prompts  # PromptSet: has(key, lang), reload(languages)
        self._publish = publish
        self.night_switch = night_switch
        self._known = known_for(config, prompts.has, self_service)
        self._tz = ZoneInfo(config.office.timezone)
        self._tree = self._build(config.ivr, 0)
        self.source = "toml"
        self._alarmed = False

    def _build(self, cfg, version: int) -> MenuTree:
        return MenuTree(cfg, self._tz, version, self._config.office.language)

    def tree(self) -> MenuTree:
        return self._tree

    def night(self) -> bool:
        return self.night_switch.is_on()

    def start(self) -> None:
        """Import callbox.toml's [ivr] (unless web edits win), then load what is in force."""
        self._store.import_toml(self._config.ivr)
        try:
            self.reload()
        except CallboxError as exc:
            message = UNUSABLE % {"reason": str(exc)}
            log.error(message)
            # no msgid of its own: the page finds UNUSABLE and the reason's msgid in the
            # English text and translates both (the reason's params are names)
            self._publish(ev.AlarmRaised(source="ivr", message=message))
            self._alarmed = True

    def reload(self, args: dict | None = None) -> dict:
        """The control action ``ivr_reload``: put the stored tree in force for new calls."""
        record = self._store.current()
        if record is None:
            return self.status()
        cfg = doc_to_config(record["tree"], self._config.ivr.night_switch)
        problems = validate(cfg, self._known)
        if problems:
            raise TreeError(problems)
        languages = {t for m in cfg.menus for t in self._languages(m)}
        self._prompts.reload(sorted(languages))  # new prompts exist before a call needs them
        self._tree = self._build(cfg, int(record["version"]))
        self.source = record["source"]
        log.info("IVR tree version %s in force (night mode %s)", record["version"],
                 "on" if cfg.night_mode else "off")
        self._publish(ev.IvrReloaded(version=int(record["version"]), night_mode=cfg.night_mode))
        if self._alarmed:  # a good tree saved since the start: the alarm is over
            self._alarmed = False
            self._publish(ev.AlarmCleared(source="ivr"))
        return self.status()

    @staticmethod
    def _languages(menu) -> list[str]:
        return [a.split(":")[1] for a in [*menu.options.values(), menu.default]
                if a.startswith("language:")]

    def status(self, args: dict | None = None) -> dict:
        tree = self._tree
        return {"version": tree.version, "source": self.source, "night_mode": tree.night_mode,
                "night_switch": self.night_switch.is_on() if self.night_switch.present else None}
