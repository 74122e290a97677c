"""Which state shows which pattern (DESIGN.md "Lamps"), and pattern timings."""

import pytest

from appliance.lamps.patterns import (STEPS, Pattern, dispatcher_pattern, line_pattern,
                                      queue_pattern, slots, status_pattern)


@pytest.mark.parametrize("state,pattern", [
    ("offline", "off"), ("available", "off"), ("ringing", "blink"),
    ("busy", "on"), ("wrapup", "on"), ("paused", "double-flash"),
])
def test_dispatcher_lamp(state, pattern):
    assert dispatcher_pattern(state) == pattern


@pytest.mark.parametrize("waiting,over_target,pattern", [
    (0, False, "off"), (0, True, "off"), (1, False, "on"), (5, False, "on"),
    (1, True, "fast-blink"),
])
def test_queue_lamp(waiting, over_target, pattern):
    assert queue_pattern(waiting, over_target) == pattern


@pytest.mark.parametrize("state,pattern", [
    ("idle", "off"), ("up", "off"), ("busy", "on"),
    ("no-signal", "blink"), ("no-sim", "blink"), ("unregistered", "blink"),
    ("down", "blink"), ("alarm", "blink"),
])
def test_line_lamp(state, pattern):
    assert line_pattern(state) == pattern


@pytest.mark.parametrize("running,alarms,pattern", [
    (True, 0, "on"), (True, 2, "blink"), (False, 0, "off"), (False, 1, "off")])
def test_status_lamp(running, alarms, pattern):
    assert status_pattern(running, alarms) == pattern


@pytest.mark.parametrize("fn,state", [(dispatcher_pattern, "dancing"), (line_pattern, "")])
def test_unknown_state_is_refused(fn, state):
    with pytest.raises(ValueError, match="unknown"):
        fn(state)


def test_timings():
    assert STEPS[Pattern.BLINK] == ((True, 0.5), (False, 0.5))
    assert STEPS[Pattern.FAST_BLINK] == ((True, 0.15), (False, 0.15))
    assert STEPS[Pattern.DOUBLE_FLASH] == ((True, 0.15), (False, 0.15), (True, 0.15),
                                           (False, 1.05))


def test_double_flash_as_equal_slots():
    quantum, values = slots(STEPS[Pattern.DOUBLE_FLASH])
    assert quantum == 0.15
    assert values == (True, False, True) + (False,) * 7  # 1.5 s cycle


def test_slots_refuse_steps_that_do_not_divide():
    with pytest.raises(ValueError, match="multiple"):
        slots(((True, 0.2), (False, 0.5)))
    with pytest.raises(ValueError):
        slots(STEPS[Pattern.ON])


def test_state_names_are_the_api_strings():
    assert [p.value for p in Pattern] == ["off", "on", "blink", "fast-blink", "double-flash"]
