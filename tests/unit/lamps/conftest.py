"""Lamps are driven through a real EventBus onto real gpiozero MockFactory pins."""

import pytest
from gpiozero.pins.mock import MockFactory

from appliance.events import EventBus, LampChanged


@pytest.fixture
def factory():
    pins = MockFactory()
    yield pins
    pins.close()


@pytest.fixture
def bus():
    events = EventBus()
    yield events
    events.stop()


@pytest.fixture
def lamp_changes(bus):
    """LampChanged events the board published, in order."""
    seen: list[LampChanged] = []
    bus.subscribe(seen.append, [LampChanged])
    return seen
