"""Admission before media, refusal records and per-call timeouts for :class:`SipEngine`.

Mixed into the engine; everything here runs on the engine thread (the prefilter's
callback comes from inside ``libHandleEvents``).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

try:  # the engine reports a missing wheel itself
    import pjsua2 as pj
except ImportError:  # pragma: no cover
    pj = None

from appliance import events as ev
from appliance.telephony.numbers import to_e164
from appliance.telephony.sip.guard import Action, Decision, SipRequest

log = logging.getLogger("callbox.sip")

FULL = Decision(Action.RESPOND, 486, "call slots")


class PolicingMixin:
    """Needs the engine's ``guard``, ``budget``, ``_legs``, ``settings``, ``_publish``."""

    def on_request(self, req: SipRequest) -> Decision:
        decision = self.guard.check(req)
        if decision.passes and req.method == "INVITE" and not req.to_tag:
            # The same slot rule as on_incoming, decided while nothing exists yet.
            in_use = self.capacity().used
            if not self.budget.admit_sip_caller(in_use, self._callers_without_leg()):
                self.guard.count(FULL.reason)
                self._reject_record(uuid.uuid4().hex, self._line_for(req.source), req.from_user,
                                    "", 486, "all call slots busy")
                return FULL
        if not decision.passes and decision.reason not in ("banned", "not allowed"):
            log.info("SIP %s from %s refused: %s %s", req.method, req.source,
                     decision.code or "dropped", decision.reason)
        return decision

    def _line_for(self, source: str) -> str:
        return self.guard.policy.trunk_names.get(source, self.settings.name)

    def _reject_record(self, call_id: str, line: str, caller_raw: str, callee: str, code: int,
                       reason: str) -> None:
        """A refused call becomes a ``rejected`` record — up to a budget per minute, so a
        flood past the call limit is counted (status ``shed``), not written INVITE by INVITE."""
        now = self._clock()
        per_min = self.settings.rejected_records_per_min
        self._record_tokens = min(float(per_min), self._record_tokens + (now - self._record_at) * per_min / 60)
        self._record_at = now
        if self._record_tokens < 1.0:
            self.guard.count("unrecorded")
            return
        self._record_tokens -= 1.0
        self._publish(ev.CallRejected(call_id=call_id, line=line,
                                      caller=to_e164(caller_raw, self.settings.country),
                                      caller_raw=caller_raw, code=code, reason=reason,
                                      callee=callee))

    # ------------------------------------------------------------------ timeouts
    def _sweep(self, now: float) -> None:
        """Once a second: hang up legs without ACK or RTP, past their maximum, or dead air."""
        silent: set[str] = set()
        for leg in list(self._legs.values()):
            if leg.ended or leg.watch is None:
                continue
            # An external (GSM) leg counts only for dead air: its line owns the rest, and
            # the box hangs up the SIP side (the conversation's end hangs up the GSM one).
            cause = leg.watch.check(now, self._rx_packets(leg)) if leg.call is not None else None
            if cause is None and leg.peer:
                if leg.watch.silent(now, self._rx_level(leg)):
                    silent.add(leg.leg_id)
                    if leg.peer in silent:
                        self._timeout(self._legs.get(leg.peer), "silence")
                        cause = "silence"
            if cause is not None:
                self._timeout(leg, cause)

    def _timeout(self, leg: Any, cause: str) -> None:
        if leg is None or leg.ended or leg.call is None:
            return
        log.warning("call_id=%s hung up by the box: %s", leg.leg_id, cause)
        self.guard.count(f"timeout: {cause}")
        leg.extra["cause"] = f"timeout: {cause}"
        leg.extra["local_hangup"] = True
        if cause == "no ACK" and self._filter.terminate(leg.extra.get("dialog", 0), 408):
            return  # DISCONNECTED has run (or is queued): the slot is free
        self._hangup_call(leg, 408 if not leg.answered else 0)

    def _remember_dialog(self, leg: Any, prm: Any) -> None:
        """The answered INVITE's dialog, kept to end the call if its ACK never comes."""
        if "dialog" not in leg.extra and prm.e.type == pj.PJSIP_EVENT_TSX_STATE:
            leg.extra["dialog"] = self._filter.dialog_of(prm.e.body.tsxState.tsx.pjTransaction)

    def _rx_packets(self, leg: Any) -> int | None:
        if leg.media is None:
            return None
        try:
            return int(leg.call.getStreamStat(leg.extra.get("media_index", 0)).rtcp.rxStat.pkt)
        except Exception:  # no stream (yet): nothing to measure
            return None

    def _rx_level(self, leg: Any) -> int | None:
        try:
            return int(leg.media.getRxLevel()) if leg.media is not None else None
        except Exception:
            return None
