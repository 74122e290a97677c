"""The desk's events (past tense, on the core's bus; the web relays them over SSE)."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.events import Event


@dataclass(frozen=True)
class DeskChanged(Event):
    """What a dispatcher's desk shows changed: a call rings them, is answered or went."""
    dispatcher: str
    state: str  # idle | ringing | talking
    call_id: str = ""
    caller: str = ""
    colleague: str = ""  # a dispatcher calling or called through the box (not a customer)


@dataclass(frozen=True)
class OrderChanged(Event):
    """An order was created or moved (by a desk, the IVR or the box itself)."""
    order_id: int
    state: str
    previous: str = ""
    kind: str = ""
    customer_id: int = 0
    number: str = ""
    by: str = ""


@dataclass(frozen=True)
class CustomerChanged(Event):
    customer_id: int


EVENT_TYPES = (DeskChanged, OrderChanged, CustomerChanged)
