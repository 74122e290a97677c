"""Helpers for watching MockPin histories."""

import time


def wait_until(predicate, timeout=3.0, every=0.01):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(every)


def levels(pin):
    """The pin's history as levels only: [False, True, False, ...]."""
    return [state.state for state in pin.states]
