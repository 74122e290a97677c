"""Choose the gpiozero pin factory by name (config ``lamps.pin_factory``)."""

from __future__ import annotations

from gpiozero import Factory

from appliance.errors import CallboxError, ConfigError


def make_pin_factory(name: str) -> Factory:
    """"mock" → MockFactory (demo, tests); "lgpio" → the Raspberry Pi's GPIO chip.

    A new factory per call: nothing is stored in gpiozero's global
    ``Device.pin_factory``.
    """
    if name == "mock":
        from gpiozero.pins.mock import MockFactory
        return MockFactory()
    if name == "lgpio":
        return _lgpio_factory()
    raise ConfigError("lamps.pin_factory", f"unknown pin factory {name!r} (use lgpio or mock)")


def _lgpio_factory() -> Factory:
    # Imported lazily: the lgpio module exists only on a Pi image.
    try:
        from gpiozero.pins.lgpio import LGPIOFactory
        return LGPIOFactory()
    except ImportError as exc:
        raise CallboxError(
            "lamps.pin_factory = \"lgpio\" but the lgpio module is not installed "
            f"({exc}); install python3-lgpio, or set lamps.pin_factory = \"mock\"") from exc
    except Exception as exc:  # lgpio.error, OSError: no /dev/gpiochip*, not a Pi
        raise CallboxError(
            f"lamps.pin_factory = \"lgpio\" but the GPIO chip cannot be opened ({exc}); "
            "is this a Raspberry Pi and may callbox use /dev/gpiochip*?") from exc
