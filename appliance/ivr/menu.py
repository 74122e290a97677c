"""The menu tree as data: pure decisions, no telephony."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from appliance.config.model import IvrConfig, IvrMenu
from appliance.ivr.hours import OpenHours

LANGUAGES = ("fa", "ru", "en")

# Actions that leave the menu (the session is done when one is chosen).
EXITS = ("queue", "play", "voicemail", "hangup", "dispatcher", "self_order", "order_status")
# kind -> does it take an argument after ':'?
KINDS: dict[str, bool] = {"queue": True, "menu": True, "play": True, "voicemail": False,
                          "hangup": False, "dispatcher": True, "self_order": False,
                          "order_status": False, "language": True}

ACTION_FORMS = ("queue:NAME, menu:ID, play:PROMPT, voicemail, hangup, dispatcher:NAME, "
                "self_order, order_status, language:fa|ru|en[:MENU]")


@dataclass(frozen=True)
class Action:
    kind: str
    target: str = ""
    menu: str = ""  # language:XX:MENU -> the menu to continue with ("" = the same menu)

    @classmethod
    def parse(cls, text: str) -> "Action":
        # ValueError text is English on purpose: only logs see it; a supervisor gets
        # validate.py's msgid and check-config its own (appliance/config/validate.py)
        kind, sep, target = str(text).partition(":")
        if kind not in KINDS:
            raise ValueError(f"unknown IVR action {text!r} (one of {ACTION_FORMS})")
        if KINDS[kind] and not target:
            raise ValueError(f"IVR action {text!r} needs a name after '{kind}:'")
        if not KINDS[kind] and sep:
            raise ValueError(f"IVR action {kind!r} takes no argument (got {text!r})")
        if kind == "language":
            lang, _, menu = target.partition(":")
            if lang not in LANGUAGES:
                raise ValueError(f"IVR action {text!r}: language must be fa, ru or en")
            return cls(kind, lang, menu)
        return cls(kind, target)

    @property
    def exits(self) -> bool:
        return self.kind in EXITS

    def __str__(self) -> str:
        if self.kind == "language" and self.menu:
            return f"language:{self.target}:{self.menu}"
        return f"{self.kind}:{self.target}" if self.target else self.kind


class MenuTree:
    """Menus by id, with their options parsed once; plus when the office is open.

    A tree is immutable once built: a reload builds a new one, and calls already
    in the menu keep walking the tree they started with.
    """

    def __init__(self, config: IvrConfig, tz: ZoneInfo | None = None, version: int = 0,
                 language: str = "en"):
        self.config = config
        self.greeting = config.greeting
        self.root = config.root
        self.version = version
        self.language = language  # the office language: what callers hear first
        self._menus = {menu.id: menu for menu in config.menus}
        if self.root not in self._menus:
            raise ValueError(f"IVR root menu {self.root!r} is not defined")
        self._options = {m.id: {d: Action.parse(a) for d, a in m.options.items()}
                         for m in config.menus}
        self._defaults = {m.id: Action.parse(m.default) for m in config.menus}
        self.hours = OpenHours(config.hours, tz or ZoneInfo("UTC"))
        self.closed_action = Action.parse(config.hours.closed_action)
        self.night_mode = config.night_mode

    def menu(self, menu_id: str) -> IvrMenu:
        return self._menus[menu_id]

    def choose(self, menu_id: str, digit: str) -> Action | None:
        """The action for a digit, or None when the digit is not an option."""
        return self._options[menu_id].get(digit)

    def fallback(self, menu_id: str) -> Action:
        return self._defaults[menu_id]

    def is_open(self, now: datetime, night: bool = False) -> bool:
        """Open now? ``night`` is the night-mode switch on the box (GPIO)."""
        if self.night_mode or night:
            return False
        return self.hours.is_open(now)
