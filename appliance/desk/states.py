"""The order lifecycle: one StrEnum of states and one transition table.

``(state, target) -> action`` where action names what the move needs; a pair that
is not in the table is illegal and changes nothing. Cancelling needs a reason;
assigning needs a driver.
"""

from __future__ import annotations

from enum import StrEnum


class OrderState(StrEnum):
    SCHEDULED = "scheduled"
    NEW = "new"
    ASSIGNED = "assigned"
    ARRIVING = "arriving"
    PICKED_UP = "picked_up"
    DONE = "done"
    CANCELLED = "cancelled"


S = OrderState
OPEN = (S.SCHEDULED, S.NEW, S.ASSIGNED, S.ARRIVING, S.PICKED_UP)

TRANSITIONS: dict[tuple[OrderState, OrderState], str | None] = {
    (S.SCHEDULED, S.NEW): None,  # its lead time came (or a dispatcher released it)
    (S.NEW, S.ASSIGNED): "assign",  # needs a driver (and usually eta_min)
    (S.ASSIGNED, S.ARRIVING): None,
    (S.ARRIVING, S.PICKED_UP): None,
    (S.PICKED_UP, S.DONE): None,
    **{(state, S.CANCELLED): "cancel" for state in OPEN},  # needs a reason
}


def is_open(state: str) -> bool:
    return state in OPEN
