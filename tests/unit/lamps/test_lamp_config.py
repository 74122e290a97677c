"""Lamps read from the config, and the pin factory chosen by name."""

import importlib.util

import pytest
from gpiozero import LED
from gpiozero.pins.mock import MockFactory

from appliance.config.model import Config, DispatcherConfig, LampsConfig
from appliance.errors import CallboxError, ConfigError
from appliance.lamps.board import LampKind, LampSpec, lamps_from_config, make_pin_factory


def test_lamps_from_config_names_lamps_after_what_they_show():
    cfg = Config(
        dispatcher=[DispatcherConfig("ali", "101", "sip:101@192.168.1.21", lamp=17, button=27),
                    DispatcherConfig("sara", "102", "local")],
        lamps=LampsConfig(pin_factory="mock", queue_waiting=22, status=5,
                          lines={"gsm1": 23, "trunk": 24}))
    assert lamps_from_config(cfg) == [
        LampSpec("ali", 17, LampKind.DISPATCHER, "ali"),
        LampSpec("queue", 22, LampKind.QUEUE, "*"),
        LampSpec("gsm1", 23, LampKind.LINE, "gsm1"),
        LampSpec("trunk", 24, LampKind.LINE, "trunk"),
        LampSpec("status", 5, LampKind.STATUS, ""),
    ]


def test_lamps_switched_off_in_the_config_are_left_out():
    cfg = Config(lamps=LampsConfig(queue_waiting=None, status=None))
    assert lamps_from_config(cfg) == []


def test_mock_factory_is_a_fresh_one_each_time():
    first, second = make_pin_factory("mock"), make_pin_factory("mock")
    assert isinstance(first, MockFactory) and first is not second
    LED(17, pin_factory=first)
    LED(17, pin_factory=second)  # no shared global state between them
    first.close()
    second.close()


def test_unknown_factory_names_the_config_key():
    with pytest.raises(ConfigError) as info:
        make_pin_factory("rpigpio")
    assert info.value.key == "lamps.pin_factory"


@pytest.mark.skipif(importlib.util.find_spec("lgpio") is not None,
                    reason="lgpio is installed here; this checks the message without it")
def test_lgpio_missing_is_a_clear_error():
    with pytest.raises(CallboxError, match="python3-lgpio"):
        make_pin_factory("lgpio")
