"""What happens on each call transition: AT commands, audio, and the bus events.

Runs on the line's worker thread. Inbound calls publish CallOffered (once),
CallAnswered, DtmfReceived and CallHungUp; outbound legs publish LegRinging,
LegAnswered and LegEnded. Causes are GSM cause values (3GPP TS 24.008 10.5.4.11).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from appliance.errors import ModemError
from appliance.events import (
    CallAnswered, CallHungUp, CallOffered, CallWaiting, DtmfReceived, Event, LegAnswered, LegEnded,
    LegRinging,
)
from appliance.telephony.gsm import causes, parsers
from appliance.telephony.gsm.calls import CallMachine, CallState
from appliance.telephony.gsm.worker import Timer, Worker

log = logging.getLogger("callbox.gsm.call")

CAUSE_NORMAL, CAUSE_BUSY, CAUSE_NO_ANSWER, CAUSE_REJECTED = 16, 17, 19, 21
CAUSE_TEMPORARY = 41  # the modem failed under the call


def reason_for(cause: int) -> str:
    """The meaning of a GSM cause, as the English msgid the page translates."""
    return causes.call_cause(cause)


@dataclass
class Call:
    id: str
    inbound: bool
    number: str = ""
    raw: str = ""


@dataclass(frozen=True)
class CallTiming:
    clip_wait: float = 1.0  # after RING, how long +CLIP may take before "withheld"
    dial_timeout: float = 60.0  # an outbound leg not answered by then is hung up
    clcc_poll_every: float = 1.0  # "clcc-poll" profiles: AT+CLCC this often while ringing
    atd_hold_min: float = 3.0  # an ATD OK held this long came at answer (clcc-poll)
    ring_gap: float = 8.0  # no RING (or +CCWA) for this long: that caller has gone


class CallFlow:
    def __init__(self, line: str, publish: Callable[[Event], None], worker: Worker,
                 command: Callable[..., list[str]], region: str,
                 hooks: "CallHooks", timing: CallTiming = CallTiming(),
                 clock: Callable[[], float] = time.monotonic):
        self._line = line
        self._publish = publish
        self._worker = worker
        self._cmd = command
        self._region = region
        self._hooks = hooks
        self._timing = timing
        self._clock = clock
        self.machine = CallMachine(self._act)
        self.call: Call | None = None
        self._timer: Timer | None = None
        self._poll: Timer | None = None
        self._ring_timer: Timer | None = None
        self._waiting: tuple[str, Timer] | None = None  # (caller, its ring-gap timer)
        self.aborting = False  # the box hung up while ATD ran (set from another thread)
        self._listed = False  # the leg has shown up in an AT+CLCC reply

    @property
    def state(self) -> CallState:
        return self.machine.state

    def fire(self, name: str, **data) -> None:
        self.machine.fire(name, **data)

    def owns(self, call_id: str) -> bool:
        return self.call is not None and self.call.id == call_id

    # -- actions (named in calls.TRANSITIONS) ----------------------------------------------
    def _act(self, action: str, data: dict) -> None:
        getattr(self, f"_do_{action}")(data)

    def _do_wait_clip(self, data: dict) -> None:
        self.call = Call(uuid.uuid4().hex, inbound=True)
        self._hooks.busy(True)
        self._arm(self._timing.clip_wait, "clip_timeout")
        self._do_rang(data)

    def _do_rang(self, data: dict) -> None:
        """Another RING: the caller is still there (see ``missed``)."""
        if self._ring_timer is not None:
            self._ring_timer.cancel()
        call = self.call

        def gap() -> None:
            if self.call is call and call is not None:
                self.fire("ring_gap")
        self._ring_timer = self._worker.call_later(self._timing.ring_gap, gap)

    def _do_missed(self, data: dict) -> None:
        """The rings stopped and the modem said nothing: the caller hung up."""
        log.info("no RING for %.0fs: caller gave up line=%s", self._timing.ring_gap, self._line)
        self._do_ended_in({"code": CAUSE_NORMAL, "reason": causes.CALLER_GAVE_UP_RINGING})

    def _do_call_waiting(self, data: dict) -> None:
        """+CCWA during a call: show the second caller (the box runs one call a line)."""
        assert self.call is not None
        caller, raw = parsers.normalize_caller(data.get("number", ""), data.get("ntype"),
                                               self._region, data.get("validity"))
        known = self._waiting[0] if self._waiting else None
        if self._waiting:
            self._waiting[1].cancel()
        call = self.call
        timer = self._worker.call_later(
            self._timing.ring_gap, lambda: self.fire("waiting_gone") if self.call is call else None)
        self._waiting = (caller, timer)
        if caller != known:
            log.info("call waiting line=%s call_id=%s caller=%s", self._line, call.id, caller)
            self._hooks.waiting(caller)
            self._publish(CallWaiting(line=self._line, call_id=call.id, caller=caller,
                                      caller_raw=raw))

    def _do_waiting_gone(self, data: dict) -> None:
        self._clear_waiting(publish=True)

    def _clear_waiting(self, publish: bool) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is None:
            return
        waiting[1].cancel()
        self._hooks.waiting("")
        if publish and self.call is not None:
            self._publish(CallWaiting(line=self._line, call_id=self.call.id, caller=""))

    def _do_offer(self, data: dict) -> None:
        if self.call is None:
            self.call = Call(uuid.uuid4().hex, inbound=True)
            self._hooks.busy(True)
        self._cancel_timer()
        self._do_rang(data)
        if "number" in data:
            caller, raw = parsers.normalize_caller(data["number"], data.get("ntype"),
                                                   self._region, data.get("validity"))
        else:  # no caller ID came with the rings: the caller withheld it
            caller, raw = parsers.WITHHELD, ""
        self.call.number, self.call.raw = caller, raw
        log.info("call offered line=%s call_id=%s caller=%s", self._line, self.call.id, caller)
        self._publish(CallOffered(call_id=self.call.id, line=self._line, kind="gsm",
                                  caller=caller, caller_raw=raw))

    def _do_answer(self, data: dict) -> None:
        self._cancel_ring_timer()
        try:
            self._cmd("ATA", timeout=20.0)
        except ModemError as exc:
            log.warning("answer failed line=%s error=%s", self._line, exc)
            self.fire("failed", code=CAUSE_NORMAL, reason=causes.ANSWER_FAILED)
            return
        self.fire("answered")

    def _do_connected_in(self, data: dict) -> None:
        assert self.call is not None
        self._hooks.audio(self.call.id, True)
        self._publish(CallAnswered(call_id=self.call.id))

    def _do_dtmf(self, data: dict) -> None:
        if self.call is not None:
            self._publish(DtmfReceived(call_id=self.call.id, digit=data["digit"],
                                       method=data.get("method", "modem")))

    def _do_ended_in(self, data: dict) -> None:
        call = self._finish()
        code = data.get("code", CAUSE_NORMAL)
        reason = data.get("reason") or reason_for(code)
        log.info("call ended line=%s call_id=%s cause=%d (%s)", self._line, call.id, code, reason)
        self._publish(CallHungUp(call_id=call.id, code=code, reason=reason))

    def _do_hangup_in(self, data: dict) -> None:
        self._send_hangup()
        self._do_ended_in(dict(data, reason=data.get("reason") or causes.BOX_HUNG_UP))

    def _do_dial(self, data: dict) -> None:
        """ATD, and then whatever this modem gives for the far end answering: its call
        URCs, +COLP, ATD's own OK (modems that hold it until answer), AT+CLCC polls."""
        self.call = call = Call(data["leg_id"], inbound=False, number=data["number"])
        self._hooks.busy(True)
        t, answer_by = self._timing, self._hooks.answer_by()
        self._arm(t.dial_timeout, "hangup", code=CAUSE_NO_ANSWER,
                  reason=reason_for(CAUSE_NO_ANSWER))
        started, self.aborting = self._clock(), False
        try:
            self._cmd(f"ATD{data['number']};", timeout=t.dial_timeout)
        except ModemError as exc:
            if self.call is call and self.aborting:
                self.fire("hangup", code=CAUSE_NORMAL, reason=causes.BOX_HUNG_UP)
            elif self.call is call:
                code = CAUSE_BUSY if "BUSY" in str(exc) else \
                    CAUSE_NO_ANSWER if "NO ANSWER" in str(exc) else CAUSE_TEMPORARY
                log.info("dial failed line=%s leg=%s error=%s", self._line, call.id, exc)
                self.fire("failed", code=code, reason=reason_for(code))
            return
        if self.call is not call:
            return  # hung up (ATD aborted) while it ran
        held = self._clock() - started
        if answer_by == "atd-ok" or (answer_by == "clcc-poll" and held >= t.atd_hold_min):
            log.info("ATD answered after %.1fs line=%s leg=%s", held, self._line, call.id)
            # Posted: behind the progress URCs that came before the OK (ringing first).
            self._worker.post(lambda: self.fire("connected") if self.call is call else None)
        else:
            # Every profile polls too: a modem whose call URCs could not be switched on
            # (an older firmware refusing AT^DSCI=1 / AT+CLCC=1) still shows the answer.
            self._listed = False
            self._poll = self._worker.call_later(t.clcc_poll_every, lambda: self._poll_clcc(call))

    def _poll_clcc(self, call: "Call") -> None:
        """AT+CLCC while the leg rings (modems that report nothing by themselves)."""
        self._poll = None
        if self.call is not call or self.state not in (CallState.DIALING, CallState.ALERTING):
            return
        try:
            lines = self._cmd("AT+CLCC", timeout=5.0, expect="+CLCC:")
        except ModemError as exc:
            log.info("AT+CLCC failed line=%s error=%s", self._line, exc)
            lines = None
        if lines is not None:
            ours = [st for st in map(parsers.parse_clcc, parsers.lines_with(lines, "+CLCC:"))
                    if not st.incoming]
            # Gone from the list only counts once it was listed (a slow modem lists late).
            stat = ours[0].stat if ours else (6 if self._listed else None)
            self._listed = self._listed or bool(ours)
            name = {0: "connected", 2: "dialing", 3: "alerting", 6: "ended"}.get(stat)
            if name:
                self.fire(name, **({"code": CAUSE_NORMAL} if name == "ended" else {}))
        if self.call is call and self.state in (CallState.DIALING, CallState.ALERTING):
            self._poll = self._worker.call_later(self._timing.clcc_poll_every,
                                                 lambda: self._poll_clcc(call))

    def _do_leg_ringing(self, data: dict) -> None:
        assert self.call is not None
        self._publish(LegRinging(leg_id=self.call.id))

    def _do_connected_out(self, data: dict) -> None:
        assert self.call is not None
        self._cancel_timer()
        self._hooks.audio(self.call.id, True)
        self._publish(LegAnswered(leg_id=self.call.id))

    def _do_ended_out(self, data: dict) -> None:
        call = self._finish()
        code = data.get("code", CAUSE_NORMAL)
        reason = data.get("reason") or reason_for(code)
        log.info("leg ended line=%s leg=%s cause=%d (%s)", self._line, call.id, code, reason)
        self._publish(LegEnded(leg_id=call.id, code=code, reason=reason))

    def _do_hangup_out(self, data: dict) -> None:
        self._send_hangup()
        self._do_ended_out(data)

    # -- helpers ------------------------------------------------------------------------------
    def _cancel_ring_timer(self) -> None:
        if self._ring_timer is not None:
            self._ring_timer.cancel()
            self._ring_timer = None

    def _finish(self) -> Call:
        self._cancel_timer()
        self._cancel_ring_timer()
        self._clear_waiting(publish=False)
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        call, self.call = self.call, None
        assert call is not None
        self._hooks.audio(call.id, False)
        self._hooks.busy(False)
        log.info("call ended line=%s call_id=%s", self._line, call.id)
        return call

    def _send_hangup(self) -> None:
        try:
            self._cmd(self._hooks.hangup_command(), timeout=10.0)
        except ModemError as exc:
            log.warning("hangup failed line=%s error=%s", self._line, exc)

    def _arm(self, delay: float, name: str, **data) -> None:
        self._cancel_timer()
        call = self.call

        def fire() -> None:
            if self.call is call:
                self.fire(name, **data)
        self._timer = self._worker.call_later(delay, fire)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class CallHooks:
    """What the call flow needs from its line (audio path, busy flag, hangup command)."""

    def audio(self, call_id: str, on: bool) -> None: ...

    def busy(self, busy: bool) -> None: ...

    def hangup_command(self) -> str: ...

    def answer_by(self) -> str:
        return "urc"

    def waiting(self, caller: str) -> None:
        """A second caller is waiting ("" when none)."""
