"""LampBoard on a real EventBus and MockFactory pins: what a dispatcher sees."""

import logging
import threading
import time

import pytest
from gpiozero import LED
from lamp_helpers import levels, wait_until

from appliance.errors import CallboxError
from appliance.events import (AlarmCleared, AlarmRaised, DispatcherStateChanged,
                              LineStateChanged, QueueChanged)
from appliance.lamps.board import EVENT_TYPES, LampBoard, LampKind, LampSpec
from appliance.lamps.specs import ALL_QUEUES

ALI = LampSpec("ali", 17, LampKind.DISPATCHER, "ali")
SARA = LampSpec("sara", 18, LampKind.DISPATCHER, "sara")
QUEUE = LampSpec("queue", 22, LampKind.QUEUE, ALL_QUEUES)
GSM1 = LampSpec("gsm1", 23, LampKind.LINE, "gsm1")
TRUNK = LampSpec("trunk", 24, LampKind.LINE, "trunk")
STATUS = LampSpec("status", 5, LampKind.STATUS, "")
STATES = {"off", "on", "blink", "fast-blink", "double-flash"}


@pytest.fixture
def board_on(factory, bus):
    """board_on(*specs) -> a LampBoard subscribed to a running bus."""
    boards = []

    def make(*specs, **kw):
        board = LampBoard(factory, list(specs), bus.publish, **kw)
        bus.subscribe(board.handle, EVENT_TYPES)
        bus.start()
        boards.append(board)
        return board

    yield make
    for board in boards:
        board.close()


def send(bus, *events):
    for event in events:
        bus.publish(event)
    assert bus.wait_idle()


def dispatcher(name, state, previous="available"):
    return DispatcherStateChanged(name, state, previous)


def assert_steady(pin, level, for_s=0.6):
    """No toggle for longer than a blink half-period: the lamp is really steady."""
    count = len(pin.states)
    time.sleep(for_s)
    assert len(pin.states) == count and pin.state == level


def test_dispatcher_lamp_goes_off_blinking_steady_on_off(factory, bus, board_on, lamp_changes):
    board_on(ALI)
    pin = factory.pin(17)

    send(bus, dispatcher("ali", "ringing"))
    wait_until(lambda: len(pin.states) >= 4)  # lit, dark, lit again: really blinking
    assert levels(pin)[:4] == [False, True, False, True]
    pin.assert_states_and_times([(0, False), (0, True), (0.5, False), (0.5, True)])

    send(bus, dispatcher("ali", "busy", "ringing"))
    assert_steady(pin, True)

    send(bus, dispatcher("ali", "available", "busy"))
    assert pin.state is False
    history = levels(pin)
    assert all(a != b for a, b in zip(history, history[1:]))  # every entry is a real toggle
    assert history[-2:] == [True, False]
    assert [(e.lamp, e.pin, e.state) for e in lamp_changes] == [
        ("ali", 17, "blink"), ("ali", 17, "on"), ("ali", 17, "off")]


def test_paused_dispatcher_lamp_double_flashes(factory, bus, board_on, lamp_changes):
    board = board_on(ALI)
    pin = factory.pin(17)
    send(bus, dispatcher("ali", "paused"))
    wait_until(lambda: len(pin.states) >= 6)
    assert levels(pin)[:6] == [False, True, False, True, False, True]
    # on .15, off .15, on .15, off 1.05, then again
    pin.assert_states_and_times([(0, False), (0, True), (0.15, False), (0.15, True),
                                 (0.15, False), (1.05, True)])
    assert board.status() == [{"name": "ali", "pin": 17, "state": "double-flash"}]

    send(bus, dispatcher("ali", "available", "paused"))
    assert_steady(pin, False, for_s=0.3)


@pytest.mark.parametrize("state,level", [("wrapup", True), ("offline", False)])
def test_wrapup_keeps_the_lamp_on_and_offline_is_off(factory, bus, board_on, state, level):
    board_on(ALI)
    send(bus, dispatcher("ali", "busy"), dispatcher("ali", state, "busy"))
    assert factory.pin(17).state is level


def test_each_dispatcher_has_their_own_lamp(factory, bus, board_on):
    board_on(ALI, SARA)
    send(bus, dispatcher("sara", "busy"), dispatcher("nobody", "busy"))
    assert factory.pin(18).state is True
    assert levels(factory.pin(17)) == [False]


def test_queue_lamp_on_while_callers_wait_fast_blinks_over_target(factory, bus, board_on,
                                                                  lamp_changes):
    board_on(QUEUE)
    pin = factory.pin(22)
    send(bus, QueueChanged("taxi", 1, 3.0, False))
    assert pin.state is True

    send(bus, QueueChanged("taxi", 2, 75.0, True))
    wait_until(lambda: len(pin.states) >= 5)
    pin.assert_states_and_times([(0, False), (0, True), (0.15, False), (0.15, True),
                                 (0.15, False)])

    send(bus, QueueChanged("taxi", 0, 0.0, False))
    assert_steady(pin, False, for_s=0.3)
    assert [e.state for e in lamp_changes] == ["on", "fast-blink", "off"]


def test_queue_lamp_counts_callers_in_every_queue(factory, bus, board_on):
    board_on(QUEUE)
    pin = factory.pin(22)
    send(bus, QueueChanged("taxi", 1, 1.0, False), QueueChanged("office", 1, 1.0, False),
         QueueChanged("taxi", 0, 0.0, False))
    assert pin.state is True  # someone still waits in "office"
    send(bus, QueueChanged("office", 0, 0.0, False))
    assert pin.state is False


def test_queue_lamp_for_one_queue_ignores_the_others(factory, bus, board_on):
    board_on(LampSpec("taxi-queue", 22, LampKind.QUEUE, "taxi"))
    send(bus, QueueChanged("office", 3, 1.0, False))
    assert factory.pin(22).state is False
    send(bus, QueueChanged("taxi", 1, 1.0, False))
    assert factory.pin(22).state is True


def test_line_lamps_show_in_use_and_trouble(factory, bus, board_on):
    board_on(GSM1, TRUNK)
    gsm1, trunk = factory.pin(23), factory.pin(24)
    send(bus, LineStateChanged("gsm1", "gsm", "busy"),
         LineStateChanged("trunk", "sip", "unregistered", "403 Forbidden"))
    assert gsm1.state is True
    wait_until(lambda: len(trunk.states) >= 3)
    assert levels(trunk)[:3] == [False, True, False]

    send(bus, LineStateChanged("gsm1", "gsm", "idle"), LineStateChanged("trunk", "sip", "up"))
    assert gsm1.state is False
    assert_steady(trunk, False)


@pytest.mark.parametrize("state", ["no-signal", "no-sim", "down", "alarm"])
def test_line_trouble_blinks(factory, bus, board_on, state):
    board = board_on(GSM1)
    send(bus, LineStateChanged("gsm1", "gsm", state))
    assert board.status()[0]["state"] == "blink"
    wait_until(lambda: len(factory.pin(23).states) >= 2)


def test_status_lamp_on_while_running_blinks_while_any_alarm(factory, bus, board_on,
                                                             lamp_changes):
    board = board_on(STATUS)
    assert factory.pin(5).state is True
    send(bus, AlarmRaised("gsm1", "no SIM"), AlarmRaised("trunk", "unregistered"),
         AlarmCleared("gsm1"))
    assert board.status()[0]["state"] == "blink"
    send(bus, AlarmCleared("trunk"))
    assert board.status()[0]["state"] == "on"
    assert factory.pin(5).state is True
    assert [e.state for e in lamp_changes] == ["on", "blink", "on"]


def test_repeated_state_publishes_nothing_new(factory, bus, board_on, lamp_changes):
    board_on(ALI)
    send(bus, dispatcher("ali", "busy"), dispatcher("ali", "wrapup", "busy"),
         dispatcher("ali", "busy", "wrapup"))
    assert [e.state for e in lamp_changes] == ["on"]


def test_unknown_state_is_logged_and_the_lamp_kept(factory, bus, board_on, caplog):
    board = board_on(ALI)
    with caplog.at_level(logging.WARNING, "callbox.lamps"):
        send(bus, dispatcher("ali", "busy"), dispatcher("ali", "on-holiday", "busy"))
    assert board.status()[0]["state"] == "on"
    assert "on-holiday" in caplog.text


def test_status_lists_every_lamp_and_is_safe_from_another_thread(factory, bus, board_on):
    board = board_on(ALI, QUEUE, GSM1, STATUS)
    assert board.status() == [
        {"name": "ali", "pin": 17, "state": "off"}, {"name": "queue", "pin": 22, "state": "off"},
        {"name": "gsm1", "pin": 23, "state": "off"}, {"name": "status", "pin": 5, "state": "on"}]
    seen, errors = set(), []

    def poll():
        try:
            while not done.is_set():
                seen.update(lamp["state"] for lamp in board.status())
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    done = threading.Event()
    reader = threading.Thread(target=poll)
    reader.start()
    for i in range(100):
        send(bus, dispatcher("ali", ("ringing", "busy", "paused", "available")[i % 4]))
    done.set()
    reader.join()
    assert not errors and seen <= STATES and "on" in seen


def test_self_test_lights_each_lamp_alone_then_restores(factory, bus, board_on, lamp_changes):
    specs = [ALI, QUEUE, STATUS]
    lit_during_steps = []

    def watching_sleep(seconds):
        lit_during_steps.append([s.name for s in specs if factory.pin(s.pin).state])
        if len(lit_during_steps) == 2:  # a call rings in during the test
            board.handle(dispatcher("ali", "ringing"))

    board = board_on(*specs, sleep=watching_sleep)
    send(bus, dispatcher("ali", "busy"))
    board.self_test(step_s=0.01)

    assert lit_during_steps == [["ali"], ["queue"], ["status"]]
    assert board.status()[0]["state"] == "blink"  # the real state came back
    wait_until(lambda: factory.pin(17).state is False)  # ...and blinks
    wait_until(lambda: factory.pin(17).state is True)
    assert factory.pin(5).state is True and factory.pin(22).state is False
    assert bus.wait_idle()
    assert [e.state for e in lamp_changes if e.lamp == "ali"] == ["on", "blink"]


def test_close_turns_lamps_off_and_frees_the_pins(factory, bus, board_on):
    board = board_on(ALI, STATUS)
    send(bus, dispatcher("ali", "ringing"))
    board.close()
    board.close()
    assert factory.pin(5).state is False
    assert board.status() == [{"name": "ali", "pin": 17, "state": "off"},
                              {"name": "status", "pin": 5, "state": "off"}]
    send(bus, dispatcher("ali", "busy"))  # late events are harmless
    count = len(factory.pin(17).states)
    time.sleep(0.6)
    assert len(factory.pin(17).states) == count  # the blinking stopped
    LED(17, pin_factory=factory).close()  # the pin is free again


def test_two_lamps_on_one_pin_is_a_clear_error(factory, bus):
    with pytest.raises(CallboxError, match="'queue' on GPIO17"):
        LampBoard(factory, [ALI, LampSpec("queue", 17, LampKind.QUEUE, ALL_QUEUES)],
                  bus.publish)
    LED(17, pin_factory=factory).close()  # the first lamp's pin was released
