"""The night-mode switch on the box: a toggle switch on a GPIO pin (``[ivr] night_switch``).

Wired between the pin and ground with the internal pull-up on, like the desk
buttons (appliance/lamps/buttons.py): switch closed = night mode. Its state is
read per call (``is_on``); changes are reported with ``on_change`` from
gpiozero's thread, which must only hand the work over (``bus.call_soon``).
"""

from __future__ import annotations

import logging
from typing import Callable

from gpiozero import Button, Factory, GPIOZeroError

from appliance.errors import CallboxError
from appliance.i18n import N_

log = logging.getLogger("callbox.ivr")

BOUNCE_S = 0.05


class NightSwitch:
    def __init__(self, pin_factory: Factory, pin: int | None,
                 on_change: Callable[[bool], None] = lambda on: None,
                 *, bounce_s: float | None = BOUNCE_S):
        self._button: Button | None = None
        self._on_change = on_change
        if pin is None:
            return
        try:
            self._button = Button(pin, pull_up=True, bounce_time=bounce_s,
                                  pin_factory=pin_factory)
        except GPIOZeroError as exc:
            raise CallboxError(N_("the night-mode switch on GPIO%(pin)s ([ivr] night_switch) "
                                  "cannot be used: %(reason)s"), pin=pin, reason=str(exc)) from exc
        self._button.when_pressed = lambda: self._changed(True)
        self._button.when_released = lambda: self._changed(False)

    @property
    def present(self) -> bool:
        return self._button is not None

    def is_on(self) -> bool:
        return bool(self._button is not None and self._button.is_pressed)

    def _changed(self, on: bool) -> None:
        log.info("night-mode switch %s", "on" if on else "off")
        try:
            self._on_change(on)
        except Exception:  # never kill gpiozero's callback thread
            log.exception("night-mode switch handler failed")

    def close(self) -> None:
        if self._button is not None:
            self._button.close()
            self._button = None
