"""One transfer's state machine (pure data; ``Transfers`` in service.py acts on it).

    ringing-blind    the caller hears hold music while B's phone rings; when B answers
                     B gets the caller and A is released
    ringing-consult  attended: the caller is on hold, B's phone rings, A waits
    consulting       A and B talk, the caller is still on hold; A completes or cancels
    done

"Give back" means: the caller is connected to A again, or, when A's leg has gone, waits
at the front of the queue. Every (phase, input) pair not in the table is refused: an
action from the web gets a clear error, an event that cannot happen raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from appliance import events as ev

MODES = ("blind", "attended")


class Phase(StrEnum):
    RINGING_BLIND = "ringing-blind"
    RINGING_CONSULT = "ringing-consult"
    CONSULTING = "consulting"
    DONE = "done"


class Input(StrEnum):
    B_ANSWERED = "b_answered"
    B_ENDED = "b_ended"  # busy, refused, error, or B hung up
    B_TIMEOUT = "b_timeout"
    A_ENDED = "a_ended"  # the first dispatcher's leg is gone
    CALLER_ENDED = "caller_ended"
    COMPLETE = "complete"  # A: "Complete transfer"
    CANCEL = "cancel"  # A: "Cancel"


P, I = Phase, Input

# (phase, input) -> (next phase, action)
TRANSITIONS: dict[tuple[Phase, Input], tuple[Phase, str]] = {
    (P.RINGING_BLIND, I.B_ANSWERED): (P.DONE, "hand_over"),
    (P.RINGING_BLIND, I.B_ENDED): (P.DONE, "give_back"),
    (P.RINGING_BLIND, I.B_TIMEOUT): (P.DONE, "give_back"),
    (P.RINGING_BLIND, I.A_ENDED): (P.RINGING_BLIND, "a_left"),
    (P.RINGING_BLIND, I.CALLER_ENDED): (P.DONE, "drop"),
    (P.RINGING_BLIND, I.CANCEL): (P.DONE, "give_back"),
    (P.RINGING_CONSULT, I.B_ANSWERED): (P.CONSULTING, "consult"),
    (P.RINGING_CONSULT, I.B_ENDED): (P.DONE, "give_back"),
    (P.RINGING_CONSULT, I.B_TIMEOUT): (P.DONE, "give_back"),
    (P.RINGING_CONSULT, I.A_ENDED): (P.RINGING_BLIND, "a_left"),  # goes on as a blind one
    (P.RINGING_CONSULT, I.CALLER_ENDED): (P.DONE, "drop"),
    (P.RINGING_CONSULT, I.COMPLETE): (P.RINGING_BLIND, "release_a"),  # complete while ringing
    (P.RINGING_CONSULT, I.CANCEL): (P.DONE, "give_back"),
    (P.CONSULTING, I.COMPLETE): (P.DONE, "hand_over"),
    (P.CONSULTING, I.CANCEL): (P.DONE, "give_back"),
    (P.CONSULTING, I.B_ENDED): (P.DONE, "give_back"),  # B hung up: back to A
    (P.CONSULTING, I.A_ENDED): (P.DONE, "hand_over"),  # A hung up: B has the caller
    (P.CONSULTING, I.CALLER_ENDED): (P.DONE, "drop"),
}


def step(phase: Phase, what: Input) -> tuple[Phase, str]:
    """The next phase and action; KeyError for a pair that is not in the table."""
    return TRANSITIONS[(phase, what)]


@dataclass
class Transfer:
    call_id: str
    mode: str  # blind | attended
    caller: str  # the caller's number (caller id on B's phone, the queue on return)
    from_dispatcher: str
    from_leg: str
    to_dispatcher: str
    leg: str  # B's leg, placed by the box
    refer_leg: str = ""  # set when A's phone asked by REFER: its NOTIFY is owed
    phase: Phase = Phase.RINGING_BLIND
    a_gone: bool = False
    b_answered: bool = False
    consulted: bool = False  # A and B were connected
    timer: ev.Timer | None = None
    outcome: str = ""  # why it ended
    seat: object = None  # seats.Seat: where the conversation lives (queue or callback)

    @property
    def caller_leg(self) -> str:
        """The customer's leg: the inbound call, or a callback's leg to the customer."""
        return self.seat.caller_leg if self.seat is not None else self.call_id

    def view(self) -> dict:
        return {"call_id": self.call_id, "mode": self.mode, "state": str(self.phase),
                "from": self.from_dispatcher, "to": self.to_dispatcher,
                "from_leg_gone": self.a_gone}
