"""Power-cycle hooks, the third rung of the recovery ladder.

``GsmConfig.power_hook``: ``"gpio:N"`` drives a relay on BCM pin N (energised = modem
powered) through gpiozero; ``"usb:<port>"`` de-authorises and re-authorises the USB
device at ``/sys/bus/usb/devices/<port>`` (e.g. ``1-1.2``), which re-enumerates it
like a replug. Both sleep between off and on; tests inject ``sleep`` and the pin
factory (gpiozero MockFactory) or a temporary sysfs root.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Callable, Protocol

from appliance.errors import ConfigError

log = logging.getLogger("callbox.gsm.power")

OFF_SECONDS = 3.0  # long enough for the modem's capacitors to drain


class PowerHook(Protocol):
    def cycle(self) -> None: ...


class GpioPowerHook:
    def __init__(self, pin: int, pin_factory=None, off_s: float = OFF_SECONDS,
                 sleep: Callable[[float], None] = time.sleep, active_high: bool = True):
        from gpiozero import DigitalOutputDevice  # only boxes with a relay need gpiozero here

        self.pin = pin
        self._relay = DigitalOutputDevice(pin, active_high=active_high, initial_value=True,
                                          pin_factory=pin_factory)
        self._off_s = off_s
        self._sleep = sleep

    def cycle(self) -> None:
        log.warning("power-cycling the modem through GPIO %d", self.pin)
        self._relay.off()
        self._sleep(self._off_s)
        self._relay.on()

    def close(self) -> None:
        self._relay.close()


class UsbPowerHook:
    def __init__(self, port: str, sysfs: str | Path = "/sys/bus/usb/devices",
                 off_s: float = OFF_SECONDS, sleep: Callable[[float], None] = time.sleep):
        if not re.fullmatch(r"\d+-\d+(\.\d+)*", port):
            raise ConfigError("gsm.power_hook", f"not a USB port path: {port!r} (e.g. 1-1.2)")
        self.port = port
        self._authorized = Path(sysfs) / port / "authorized"
        self._off_s = off_s
        self._sleep = sleep

    def cycle(self) -> None:
        log.warning("resetting the modem's USB port %s", self.port)
        self._authorized.write_text("0")
        self._sleep(self._off_s)
        self._authorized.write_text("1")


class CallbackPowerHook:
    """Any callable as a hook (the simulator's ``power_cycle``)."""

    def __init__(self, fn: Callable[[], object]):
        self._fn = fn

    def cycle(self) -> None:
        self._fn()


def make_power_hook(spec: str, pin_factory=None,
                    sleep: Callable[[float], None] = time.sleep) -> PowerHook | None:
    spec = spec.strip()
    if not spec:
        return None
    kind, _, arg = spec.partition(":")
    if kind == "gpio" and arg.isdigit():
        return GpioPowerHook(int(arg), pin_factory=pin_factory, sleep=sleep)
    if kind == "usb" and arg:
        return UsbPowerHook(arg, sleep=sleep)
    raise ConfigError("gsm.power_hook", f"expected 'gpio:N' or 'usb:<port>', got {spec!r}")
