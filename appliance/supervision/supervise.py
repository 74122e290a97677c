"""A supervisor joins a live conversation from their own phone: a queue call, a call
from a ``dispatcher:NAME`` menu action, a callback or a click-to-call
(``conversations.LiveConversations``).

The box rings ``[acd] supervisor_phone``; once answered the conference bridge gets the
paths of the mode (``from → to`` = who hears whom):

    listen   caller → supervisor, dispatcher → supervisor
    whisper  listen + supervisor → dispatcher (the caller does not hear them)
    barge    whisper + supervisor → caller (a three-way call)

The mode can be changed while connected (only the difference is connected or cut).
"Escalate" is a dispatcher asking for the supervisor: barge on their current call.
When the conversation ends the supervisor's leg is hung up. One explicit state machine
per supervision; a bus subscriber (legs it placed, the calls it watches).

A transfer between dispatchers (appliance/transfer) takes the supervisor along:

- While B rings (and while A consults B) nothing changes for the supervisor: they still
  hear the caller and A, a whisper still reaches A (who is still on the line and may
  want the advice most now), a barging supervisor can still talk to the caller on hold.
  They do not hear the hold music (it is played to the caller only) nor B. A transfer
  that fails leaves everything as it was.
- ``CallTransferred`` (B answered, A's leg hung up): every path of the mode that went to
  or from A's leg now goes to or from B's — listen B → supervisor, whisper also
  supervisor → B, barge as well — and the status names B. A supervisor still ringing
  gets B's leg when they answer. A's old paths are only forgotten, not cut: the transfer
  hung that leg up and its port takes its connections with it (see
  appliance/telephony/sip/conference.py).
- A queue caller bridged again to a dispatcher (``CallBridged``: after a failed transfer
  whose A had left, the caller waited at the front of the queue and someone took them)
  is followed the same way; meanwhile the supervisor hears the caller only, and the
  status still names A.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from appliance import events as ev
from appliance.errors import CallboxError
from appliance.i18n import N_

log = logging.getLogger("callbox.supervision")

MODES = ("listen", "whisper", "barge")
RING_TIMEOUT_S = 30.0
EVENT_TYPES = (ev.LegAnswered, ev.LegEnded, ev.CallEnded, ev.CallTransferred, ev.CallBridged)


class Phase(StrEnum):
    RINGING = "ringing"  # the supervisor's phone rings
    ACTIVE = "active"
    DONE = "done"


TRANSITIONS: dict[tuple[Phase, str], Phase] = {
    (Phase.RINGING, "answered"): Phase.ACTIVE,
    (Phase.RINGING, "ended"): Phase.DONE,  # did not answer, busy, error
    (Phase.RINGING, "timeout"): Phase.DONE,
    (Phase.RINGING, "call_ended"): Phase.DONE,
    (Phase.ACTIVE, "ended"): Phase.DONE,  # the supervisor hung up
    (Phase.ACTIVE, "call_ended"): Phase.DONE,
}


def paths(mode: str, caller: str, dispatcher: str, supervisor: str) -> set[tuple[str, str]]:
    out = {(caller, supervisor), (dispatcher, supervisor)}
    if mode in ("whisper", "barge"):
        out.add((supervisor, dispatcher))
    if mode == "barge":
        out.add((supervisor, caller))
    return out


@dataclass
class Session:
    call_id: str
    caller_leg: str
    dispatcher_leg: str
    dispatcher: str
    leg: str  # the supervisor's phone
    mode: str
    phase: Phase = Phase.RINGING
    connected: set = field(default_factory=set)
    timer: ev.Timer | None = None


class Supervision:
    def __init__(self, conversations, control, audio, bus, supervisor_phone: str):
        self._live = conversations  # LiveConversations: get(call_id), of(dispatcher)
        self._control = control
        self._audio = audio  # AudioPaths: connect(pairs) / disconnect(pairs)
        self._bus = bus
        self.phone = supervisor_phone
        self.sessions: dict[str, Session] = {}  # by the supervisor's leg id

    # ---------------------------------------------------------------- actions
    def supervise(self, call_id: str, mode: str) -> dict:
        """Ring the supervisor for ``call_id`` in ``mode``, or switch the mode of the
        supervision already on it."""
        if mode not in MODES:
            raise ValueError(N_("mode must be listen, whisper or barge"))
        talk = self._live.get(call_id)
        if talk is None:
            raise CallboxError(N_("no conversation %(call)s to join") % {"call": call_id})
        current = next((s for s in self.sessions.values() if s.call_id == call_id), None)
        if current is not None:
            return self._switch(current, mode)
        if not self.phone:
            raise CallboxError(N_("no supervisor phone is configured ([acd] supervisor_phone)"))
        session = Session(call_id, talk.caller_leg, talk.dispatcher_leg, talk.dispatcher,
                          "sup-" + uuid.uuid4().hex[:12], mode)
        self.sessions[session.leg] = session
        session.timer = self._bus.call_later(RING_TIMEOUT_S,
                                             lambda: self._fire(session, "timeout"))
        log.info("call_id=%s supervisor rung to %s", call_id, mode)
        self._control.originate(session.leg, self.phone, caller_id=talk.dispatcher,
                                for_call=talk.caller_leg)
        return {"call_id": call_id, "mode": mode, "state": str(session.phase)}

    def escalate(self, dispatcher: str) -> dict:
        """A dispatcher's one click: the supervisor joins their current call (barge)."""
        talk = self._live.of(dispatcher)
        if talk is None:
            raise CallboxError(N_("dispatcher %(name)s is not on a call") % {"name": dispatcher})
        return self.supervise(talk.call_id, "barge")

    def status(self) -> list[dict]:
        return [{"call_id": s.call_id, "dispatcher": s.dispatcher, "mode": s.mode,
                 "state": str(s.phase)} for s in self.sessions.values()]

    # ---------------------------------------------------------------- events
    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.CallTransferred):
            self._follow(event.call_id, event.legs, event.to_dispatcher)
            return
        if isinstance(event, ev.CallBridged):
            self._follow(event.call_id, event.legs, event.dispatcher)
            return
        if isinstance(event, ev.CallEnded):
            for session in [s for s in self.sessions.values() if s.call_id == event.call_id]:
                self._fire(session, "call_ended")
            return
        session = self.sessions.get(getattr(event, "leg_id", ""))
        if session is not None:
            self._fire(session, "answered" if isinstance(event, ev.LegAnswered) else "ended")

    def _fire(self, session: Session, what: str) -> None:
        if session.phase == Phase.DONE:
            return
        before = session.phase
        try:
            session.phase = TRANSITIONS[(before, what)]
        except KeyError:
            raise RuntimeError(f"supervision {session.leg}: no transition {before}/{what}") from None
        if session.phase == Phase.ACTIVE:
            self._cancel(session)
            self._switch(session, session.mode)
        elif session.phase == Phase.DONE:
            self._cancel(session)
            self.sessions.pop(session.leg, None)
            if what in ("timeout", "call_ended"):
                self._control.hangup(session.leg, 487 if before == Phase.RINGING else 0)
            log.info("call_id=%s supervision over (%s)", session.call_id, what)

    def _follow(self, call_id: str, legs: tuple, dispatcher: str) -> None:
        """``call_id``'s caller (``legs[0]``) now talks to ``dispatcher`` on ``legs[1]``."""
        if len(legs) != 2:
            return
        for session in self.sessions.values():
            # A callback's CallBridged names (dispatcher, customer): not a caller's new
            # dispatcher; nor is the bridge that made the conversation in the first place.
            if (session.call_id != call_id or legs[0] != session.caller_leg
                    or legs[1] == session.dispatcher_leg):
                continue
            old = session.dispatcher_leg
            session.dispatcher_leg, session.dispatcher = legs[1], dispatcher
            # Forgotten, not cut: the old leg was hung up (its port takes them along).
            session.connected = {p for p in session.connected if old not in p}
            log.info("call_id=%s supervision follows the call to %s", call_id, dispatcher)
            self._switch(session, session.mode)

    def _switch(self, session: Session, mode: str) -> dict:
        session.mode = mode
        if session.phase == Phase.ACTIVE:
            want = paths(mode, session.caller_leg, session.dispatcher_leg, session.leg)
            self._audio.disconnect(sorted(session.connected - want))
            self._audio.connect(sorted(want - session.connected))
            session.connected = want
        return {"call_id": session.call_id, "mode": mode, "state": str(session.phase)}

    @staticmethod
    def _cancel(session: Session) -> None:
        if session.timer is not None:
            session.timer.cancel()
            session.timer = None
