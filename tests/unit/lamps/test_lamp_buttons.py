"""Desk buttons on MockFactory pins: a press asks to toggle that dispatcher's pause."""

import logging

import pytest
from gpiozero import Button
from lamp_helpers import wait_until

from appliance.config.model import Config, DispatcherConfig
from appliance.errors import CallboxError
from appliance.events import DispatcherStateChanged
from appliance.lamps.board import EVENT_TYPES, LampBoard, LampKind, LampSpec
from appliance.lamps.buttons import ButtonBoard, buttons_from_config


def press(pin):
    pin.drive_low()   # the button shorts the pulled-up pin to ground
    pin.drive_high()  # released


def test_press_reports_the_dispatcher_once_per_press(factory):
    pressed = []
    board = ButtonBoard(factory, {"ali": 27, "sara": 26}, pressed.append)
    press(factory.pin(27))
    press(factory.pin(26))
    press(factory.pin(27))
    assert pressed == ["ali", "sara", "ali"]
    board.close()


def test_holding_or_releasing_does_not_press_again(factory):
    pressed = []
    board = ButtonBoard(factory, {"ali": 27}, pressed.append)
    pin = factory.pin(27)
    assert pin.state is True  # pull-up: idle high
    pin.drive_low()
    pin.drive_low()
    pin.drive_high()
    assert pressed == ["ali"]
    board.close()


def test_a_failing_handler_is_logged_and_the_next_press_still_works(factory, caplog):
    calls = []

    def flaky(name):
        calls.append(name)
        if len(calls) == 1:
            raise RuntimeError("queue not ready")

    board = ButtonBoard(factory, {"ali": 27}, flaky)
    with caplog.at_level(logging.ERROR, "callbox.lamps"):
        press(factory.pin(27))
    press(factory.pin(27))
    assert calls == ["ali", "ali"]
    assert "queue not ready" in caplog.text
    board.close()


def test_close_frees_the_pins(factory):
    ButtonBoard(factory, {"ali": 27}, lambda name: None).close()
    Button(27, pin_factory=factory).close()


def test_pin_already_taken_is_a_clear_error(factory):
    taken = Button(26, pin_factory=factory)
    with pytest.raises(CallboxError, match="'sara' on GPIO26"):
        ButtonBoard(factory, {"ali": 27, "sara": 26}, lambda name: None)
    taken.close()
    Button(27, pin_factory=factory).close()  # the first button was released


def test_buttons_from_config():
    cfg = Config(dispatcher=[DispatcherConfig("ali", "101", "local", lamp=17, button=27),
                             DispatcherConfig("sara", "102", "local", lamp=18)])
    assert buttons_from_config(cfg) == {"ali": 27}


def test_pause_button_to_paused_lamp(factory, bus):
    """The wiring the composition root does: press -> bus -> queue -> lamp double-flashes."""
    paused: set[str] = set()

    def toggle_pause(name):  # stands in for the queue's pause toggle, on the bus worker
        state = "available" if name in paused else "paused"
        paused.symmetric_difference_update({name})
        bus.publish(DispatcherStateChanged(name, state, ""))

    lamps = LampBoard(factory, [LampSpec("ali", 17, LampKind.DISPATCHER, "ali")], bus.publish)
    bus.subscribe(lamps.handle, EVENT_TYPES)
    bus.start()
    buttons = ButtonBoard(factory, {"ali": 27},
                          lambda name: bus.call_soon(lambda: toggle_pause(name)))
    press(factory.pin(27))
    wait_until(lambda: lamps.status()[0]["state"] == "double-flash")
    wait_until(lambda: len(factory.pin(17).states) >= 4)
    press(factory.pin(27))
    wait_until(lambda: lamps.status()[0]["state"] == "off")
    assert factory.pin(17).state is False
    buttons.close()
    lamps.close()
