"""The call on a modem as an explicit state machine (one voice call per modem).

Inputs are what the modem reported (``ring clip connected ended alerting dialing
dtmf waiting``), what the box asked (``answer reject hangup dial``), results of our
own commands (``answered failed``), timers (``clip_timeout``; ``ring_gap``: no RING
within the ring interval; ``waiting_gone``: no +CCWA repeat) and ``lost`` (the
modem faulted). ``TRANSITIONS`` maps (state, input) to (next state, action); harmless
repeats (RING every few seconds, NO CARRIER after ^CEND) are listed with no
action; an unlisted pair raises.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Callable


class CallState(StrEnum):
    IDLE = "idle"
    RINGING = "ringing"  # RING seen, caller ID not yet: not offered
    OFFERED = "offered"  # CallOffered published; waiting for the router
    ANSWERING = "answering"  # ATA sent
    ACTIVE = "active"  # inbound call connected
    DIALING = "dialing"  # ATD sent (outbound leg)
    ALERTING = "alerting"  # far end ringing
    OUT_ACTIVE = "out-active"  # outbound leg answered


S = CallState
INBOUND = (S.RINGING, S.OFFERED, S.ANSWERING, S.ACTIVE)
OUTBOUND = (S.DIALING, S.ALERTING, S.OUT_ACTIVE)
IGNORED_WHEN_IDLE = ("ended", "connected", "alerting", "dialing", "dtmf", "clip_timeout",
                     "answered", "failed", "hangup", "reject", "ring_gap", "waiting",
                     "waiting_gone")

TRANSITIONS: dict[tuple[CallState, str], tuple[CallState, str | None]] = {
    (S.IDLE, "ring"): (S.RINGING, "wait_clip"),
    # No RING within the ring interval: the caller gave up and the modem said nothing.
    (S.RINGING, "ring_gap"): (S.IDLE, "missed"),
    (S.OFFERED, "ring_gap"): (S.IDLE, "missed"),
    # +CCWA: a second caller while the line is busy (shown, not answered).
    (S.ACTIVE, "waiting"): (S.ACTIVE, "call_waiting"),
    (S.OUT_ACTIVE, "waiting"): (S.OUT_ACTIVE, "call_waiting"),
    (S.ACTIVE, "waiting_gone"): (S.ACTIVE, "waiting_gone"),
    (S.OUT_ACTIVE, "waiting_gone"): (S.OUT_ACTIVE, "waiting_gone"),
    (S.IDLE, "clip"): (S.OFFERED, "offer"),
    (S.IDLE, "dial"): (S.DIALING, "dial"),
    (S.RINGING, "ring"): (S.RINGING, "rang"),
    (S.RINGING, "clip"): (S.OFFERED, "offer"),
    (S.RINGING, "clip_timeout"): (S.OFFERED, "offer"),
    (S.OFFERED, "ring"): (S.OFFERED, "rang"),
    (S.OFFERED, "clip"): (S.OFFERED, "rang"),
    (S.OFFERED, "clip_timeout"): (S.OFFERED, None),
    (S.OFFERED, "answer"): (S.ANSWERING, "answer"),
    (S.ANSWERING, "answered"): (S.ACTIVE, "connected_in"),
    (S.ANSWERING, "connected"): (S.ACTIVE, "connected_in"),
    (S.ANSWERING, "ring"): (S.ANSWERING, None),
    (S.ANSWERING, "clip"): (S.ANSWERING, None),
    (S.ACTIVE, "connected"): (S.ACTIVE, None),
    (S.ACTIVE, "answered"): (S.ACTIVE, None),
    (S.ACTIVE, "ring"): (S.ACTIVE, None),  # a waiting call: not offered
    (S.ACTIVE, "clip"): (S.ACTIVE, None),
    (S.ACTIVE, "dtmf"): (S.ACTIVE, "dtmf"),
    (S.DIALING, "dialing"): (S.DIALING, None),
    (S.DIALING, "alerting"): (S.ALERTING, "leg_ringing"),
    (S.DIALING, "connected"): (S.OUT_ACTIVE, "connected_out"),
    (S.ALERTING, "alerting"): (S.ALERTING, None),
    (S.ALERTING, "dialing"): (S.ALERTING, None),
    (S.ALERTING, "connected"): (S.OUT_ACTIVE, "connected_out"),
    (S.OUT_ACTIVE, "connected"): (S.OUT_ACTIVE, None),
    # Progress URCs that came while ATD was held (worked off after its OK = answer).
    (S.OUT_ACTIVE, "dialing"): (S.OUT_ACTIVE, None),
    (S.OUT_ACTIVE, "alerting"): (S.OUT_ACTIVE, None),
    (S.OUT_ACTIVE, "dtmf"): (S.OUT_ACTIVE, "dtmf"),
    (S.OUT_ACTIVE, "ring"): (S.OUT_ACTIVE, None),
    (S.OUT_ACTIVE, "clip"): (S.OUT_ACTIVE, None),
}
for _state in INBOUND:
    TRANSITIONS[(_state, "ended")] = (S.IDLE, "ended_in")
    TRANSITIONS[(_state, "lost")] = (S.IDLE, "ended_in")
    TRANSITIONS[(_state, "failed")] = (S.IDLE, "ended_in")
    TRANSITIONS[(_state, "hangup")] = (S.IDLE, "hangup_in")
    TRANSITIONS.setdefault((_state, "dtmf"), (_state, None))
    for _input in ("ring_gap", "waiting", "waiting_gone"):
        TRANSITIONS.setdefault((_state, _input), (_state, None))
for _state in (S.RINGING, S.OFFERED):
    TRANSITIONS[(_state, "reject")] = (S.IDLE, "hangup_in")
for _state in OUTBOUND:
    TRANSITIONS[(_state, "ended")] = (S.IDLE, "ended_out")
    TRANSITIONS[(_state, "lost")] = (S.IDLE, "ended_out")
    TRANSITIONS[(_state, "failed")] = (S.IDLE, "ended_out")
    TRANSITIONS[(_state, "hangup")] = (S.IDLE, "hangup_out")
    for _input in ("dtmf", "ring", "clip", "clip_timeout", "ring_gap", "waiting",
                   "waiting_gone"):
        TRANSITIONS.setdefault((_state, _input), (_state, None))
for _input in IGNORED_WHEN_IDLE:
    TRANSITIONS[(S.IDLE, _input)] = (S.IDLE, None)
TRANSITIONS[(S.IDLE, "lost")] = (S.IDLE, None)


class UnexpectedInput(RuntimeError):
    pass


class CallMachine:
    """Holds the state; runs the action named by the table with the input's data."""

    def __init__(self, actions: Callable[[str, dict], None]):
        self.state = S.IDLE
        self._actions = actions

    def fire(self, name: str, **data) -> CallState:
        try:
            next_state, action = TRANSITIONS[(self.state, name)]
        except KeyError:
            raise UnexpectedInput(f"{name!r} in state {self.state}") from None
        previous, self.state = self.state, next_state
        if action is not None:
            self._actions(action, dict(data, previous=previous))
        return self.state

    @property
    def busy(self) -> bool:
        return self.state is not S.IDLE
