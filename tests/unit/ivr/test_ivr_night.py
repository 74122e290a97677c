"""The night-mode switch on a GPIO pin (gpiozero Button on MockFactory): closed = night."""

import pytest
from gpiozero.pins.mock import MockFactory

from appliance.errors import CallboxError
from appliance.ivr.night import NightSwitch


def test_the_switch_reports_its_position_and_each_change():
    factory, changes = MockFactory(), []
    switch = NightSwitch(factory, 5, changes.append, bounce_s=None)
    assert switch.present and not switch.is_on()
    factory.pin(5).drive_low()  # closed (pull-up: pressed = low)
    assert switch.is_on() and changes == [True]
    factory.pin(5).drive_high()
    assert not switch.is_on() and changes == [True, False]
    switch.close()


def test_no_pin_means_no_switch():
    switch = NightSwitch(MockFactory(), None)
    assert not switch.present and not switch.is_on()


def test_a_pin_in_use_is_refused_naming_the_key():
    factory = MockFactory()
    first = NightSwitch(factory, 6, bounce_s=None)
    with pytest.raises(CallboxError, match=r"\[ivr\] night_switch"):
        NightSwitch(factory, 6, bounce_s=None)
    first.close()


def test_a_failing_handler_does_not_break_the_switch():
    factory = MockFactory()
    switch = NightSwitch(factory, 7, lambda on: 1 / 0, bounce_s=None)
    factory.pin(7).drive_low()
    assert switch.is_on()
    switch.close()
