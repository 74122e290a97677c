"""EventBus.call: other threads reach domain state on the bus worker and get its answer."""

import threading

import pytest

from appliance.events import BusTimeout, EventBus


@pytest.fixture
def bus():
    bus = EventBus()
    bus.start()
    yield bus
    bus.stop()


def test_call_runs_on_the_worker_and_returns_or_raises(bus):
    assert bus.call(lambda: threading.current_thread().name) == "bus"
    with pytest.raises(KeyError):
        bus.call(lambda: {}["missing"])


def test_a_stuck_worker_is_a_bus_timeout(bus):
    release = threading.Event()
    bus.call_soon(lambda: release.wait(5))
    with pytest.raises(BusTimeout):
        bus.call(lambda: 1, timeout=0.1)
    release.set()
