"""Who ended an inbound call: its caller, or the box (a timeout) or the line (a modem
that failed under it). Pure; the flow and the queue ask it when a caller's leg is gone,
so a call the box cut is never written "caller hung up".

The SIP engine reports a leg it hung up on a timeout with the reason ``timeout: <what>``
(``telephony/sip/policing.py``: no ACK, no RTP, silence, max duration). A GSM line that
fails under a call (port lost, modem restarted, no answer to the AT ping) ends it with
cause 41 (``telephony/gsm/callflow.py`` ``CAUSE_TEMPORARY``), the cause a network gives
for the same kind of failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from appliance.i18n import causes

TIMEOUT_PREFIX = "timeout: "
LINE_FAILURE_CODE = 41


@dataclass(frozen=True)
class BoxEnded:
    """The call was ended by the box or its line: ``cause`` is the record's hangup_cause;
    ``failed`` = the line broke (not a limit the box enforced on a call that went on)."""
    cause: str
    failed: bool


def box_ended(code: int, reason: str) -> BoxEnded | None:
    """None when the far end hung up; else why the box or the line ended the leg."""
    if reason.startswith(TIMEOUT_PREFIX):
        return BoxEnded(reason, failed=False)
    if code == LINE_FAILURE_CODE:
        return BoxEnded(causes.LINE_FAILED % {"reason": reason}, failed=True)
    return None
