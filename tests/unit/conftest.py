"""Shared unit-test fixtures: a hand-driven bus and a recording CallControl for the call
logic (IVR, queue, flow, callbacks). Directories with their own `bus` fixture override it."""

import sys
from pathlib import Path

import pytest

# The test dirs have no __init__.py: make tests/unit/calllogic_fakes.py importable.
_UNIT = str(Path(__file__).resolve().parent)
if _UNIT not in sys.path:
    sys.path.insert(0, _UNIT)

from calllogic_fakes import FakeControl, ManualBus  # noqa: E402


@pytest.fixture
def bus() -> ManualBus:
    return ManualBus()


@pytest.fixture
def control() -> FakeControl:
    return FakeControl()
