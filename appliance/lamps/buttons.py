"""Dispatcher desk buttons: a press toggles that dispatcher's pause.

Wire each button between its GPIO pin and ground (the internal pull-up is on).
``on_press(dispatcher_name)`` runs on gpiozero's pin thread, so it must hand
the work over (the composition root passes ``bus.call_soon`` around the queue's
pause toggle) and return at once.
"""

from __future__ import annotations

import functools
import logging
from typing import Callable

from gpiozero import Button, Factory, GPIOZeroError

from appliance.config.model import Config
from appliance.errors import CallboxError

log = logging.getLogger("callbox.lamps")

BOUNCE_S = 0.05  # contact bounce of a cheap push button


def buttons_from_config(cfg: Config) -> dict[str, int]:
    """dispatcher name -> button pin, for dispatchers that have a button."""
    return {d.name: d.button for d in cfg.dispatcher if d.button is not None}


class ButtonBoard:
    def __init__(self, pin_factory: Factory, buttons: dict[str, int],
                 on_press: Callable[[str], None], *, bounce_s: float | None = BOUNCE_S):
        self._on_press = on_press
        self._buttons: list[Button] = []
        for name, pin in buttons.items():
            try:
                button = Button(pin, pull_up=True, bounce_time=bounce_s, pin_factory=pin_factory)
            except GPIOZeroError as exc:
                self.close()
                raise CallboxError(f"button of {name!r} on GPIO{pin}: {exc}") from exc
            button.when_pressed = functools.partial(self._pressed, name)
            self._buttons.append(button)

    def _pressed(self, name: str) -> None:
        log.info("pause button pressed dispatcher=%s", name)
        try:
            self._on_press(name)
        except Exception:  # never kill gpiozero's callback thread
            log.exception("pause button handler failed dispatcher=%s", name)

    def close(self) -> None:
        for button in self._buttons:
            button.close()
        self._buttons.clear()
