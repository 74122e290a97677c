"""Desk errors: an English msgid (marked with N_) and its params, translated on display."""

from __future__ import annotations

from typing import Any

from appliance.errors import CallboxError
from appliance.i18n import N_


class DeskError(CallboxError):
    """``msgid % params`` is the English message; ``status`` the HTTP status it maps to."""

    status = 400
    code = "bad_request"

    def __init__(self, msgid: str, **params: Any):
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params


class BadInput(DeskError):
    pass


class NotFound(DeskError):
    status = 404
    code = "not_found"


class Conflict(DeskError):
    status = 409
    code = "conflict"


class PhoneTaken(Conflict):
    """A phone already belongs to another customer."""

    code = "phone_taken"

    def __init__(self, number: str, customer_id: int, name: str):
        super().__init__(N_("%(number)s already belongs to customer %(name)s (#%(id)s)"),
                         number=number, name=name or "—", id=customer_id)
        self.customer_id = customer_id


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, order_id: int, state: str, target: str):
        super().__init__(N_("order %(id)s is %(state)s: it cannot become %(target)s"),
                         id=order_id, state=state, target=target)
        self.state = state
