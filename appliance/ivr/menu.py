"""The menu tree as data: pure decisions, no telephony."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.config.model import IvrConfig, IvrMenu


@dataclass(frozen=True)
class Action:
    kind: str  # "queue" | "menu" | "hangup"
    target: str = ""

    @classmethod
    def parse(cls, text: str) -> "Action":
        kind, _, target = text.partition(":")
        if kind not in {"queue", "menu", "hangup"}:
            raise ValueError(f"unknown IVR action {text!r}")
        return cls(kind, target)


class MenuTree:
    """Menus by id, with their options parsed once."""

    def __init__(self, config: IvrConfig):
        self.greeting = config.greeting
        self.root = config.root
        self._menus = {menu.id: menu for menu in config.menus}
        if self.root not in self._menus:
            raise ValueError(f"IVR root menu {self.root!r} is not defined")

    def menu(self, menu_id: str) -> IvrMenu:
        return self._menus[menu_id]

    def choose(self, menu_id: str, digit: str) -> Action | None:
        """The action for a digit, or None when the digit is not an option."""
        text = self._menus[menu_id].options.get(digit)
        return Action.parse(text) if text else None

    def fallback(self, menu_id: str) -> Action:
        return Action.parse(self._menus[menu_id].default)
