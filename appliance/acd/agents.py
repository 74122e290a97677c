"""Dispatchers as the queue sees them: an explicit state machine per dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AgentState(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    RINGING = "ringing"
    BUSY = "busy"
    PAUSED = "paused"
    WRAPUP = "wrapup"


class AgentTrigger(StrEnum):
    OFFER = "offer"  # the phone starts ringing for a caller
    NO_ANSWER = "no_answer"  # ring timeout, busy or error
    CANCEL = "cancel"  # another phone took the caller, or the caller left: not a miss
    ANSWER = "answer"
    HANGUP = "hangup"  # the conversation ended
    WRAPPED = "wrapped"  # wrap-up time is over
    PAUSE = "pause"
    RESUME = "resume"
    LOGOUT = "logout"
    LOGIN = "login"


S, T = AgentState, AgentTrigger

# (state, trigger) -> next state. Pausing while on a call takes effect after it:
# the dispatcher goes to PAUSED instead of WRAPUP ("pause_after" flag below).
AGENT_TRANSITIONS: dict[tuple[AgentState, AgentTrigger], AgentState] = {
    (S.AVAILABLE, T.OFFER): S.RINGING,
    (S.RINGING, T.NO_ANSWER): S.AVAILABLE,
    (S.RINGING, T.CANCEL): S.AVAILABLE,
    (S.RINGING, T.ANSWER): S.BUSY,
    (S.BUSY, T.HANGUP): S.WRAPUP,
    (S.WRAPUP, T.WRAPPED): S.AVAILABLE,
    (S.AVAILABLE, T.PAUSE): S.PAUSED,
    (S.WRAPUP, T.PAUSE): S.PAUSED,
    (S.PAUSED, T.RESUME): S.AVAILABLE,
    (S.PAUSED, T.PAUSE): S.PAUSED,  # harmless repeat
    (S.AVAILABLE, T.RESUME): S.AVAILABLE,  # harmless repeat
    (S.AVAILABLE, T.LOGOUT): S.OFFLINE,
    (S.PAUSED, T.LOGOUT): S.OFFLINE,
    (S.OFFLINE, T.LOGIN): S.AVAILABLE,
    (S.OFFLINE, T.LOGOUT): S.OFFLINE,
    (S.AVAILABLE, T.LOGIN): S.AVAILABLE,
    (S.PAUSED, T.WRAPPED): S.PAUSED,  # wrap-up timer of a dispatcher who paused
    (S.WRAPUP, T.LOGOUT): S.OFFLINE,
    (S.OFFLINE, T.WRAPPED): S.OFFLINE,  # wrap-up timer of a dispatcher who logged out
    (S.PAUSED, T.LOGIN): S.PAUSED,  # already logged in: the pause stays
    (S.WRAPUP, T.LOGIN): S.WRAPUP,
}


@dataclass
class Agent:
    name: str
    extension: str
    phone: str
    state: AgentState = AgentState.AVAILABLE
    idle_since: float = 0.0  # monotonic time the dispatcher last became free
    pause_after: bool = False
    leg_id: str = ""  # current ringing/talking leg
    calls_answered: int = 0
    talk_s: float = 0.0
    queues: set[str] = field(default_factory=set)
    wrapup_timer: Any = None  # the bus timer that ends the current wrap-up
    order: int = 0  # position in [[dispatcher]] (round-robin order)
    penalties: dict[str, int] = field(default_factory=dict)  # queue -> penalty (skills)
    misses: int = 0  # offers in a row that rang out (auto-pause)
    pause_reason: str = ""
    logout_after: bool = False  # a log-out asked for during a call: after it

    def penalty(self, queue: str, unset: int = 0) -> int:
        return self.penalties.get(queue, unset)

    def fire(self, trigger: AgentTrigger) -> AgentState:
        """Move to the next state; an unknown pair is a bug and raises."""
        try:
            self.state = AGENT_TRANSITIONS[(self.state, trigger)]
        except KeyError:
            raise RuntimeError(f"dispatcher {self.name}: no transition {self.state}/{trigger}") from None
        return self.state
