"""Per-call timeouts: no ACK, no RTP, dead air, maximum duration. Pure logic, clock given.

The engine samples each SIP leg once a second (RTP packets received, the conference
bridge's receive level) and hangs up a leg this says is dead, so an un-ACKed INVITE or
a caller that never sends audio cannot keep a call slot.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    ack_timeout_s: float = 8.0  # answered, no ACK (pjsip alone would wait 32 s)
    rtp_timeout_s: float = 60.0  # media up, not one RTP packet received
    silence_timeout_s: float = 300.0  # bridged, both sides below silence_level
    max_call_s: float = 4 * 3600.0  # any call, whatever it does
    silence_level: int = 2  # pjmedia signal level (0..255) at or below which a frame is silence


class CallWatch:
    """One leg's timers. ``check`` returns the cause to hang up with, or None."""

    def __init__(self, limits: Limits, now: float, inbound: bool):
        self.limits = limits
        self.created = now
        self.inbound = inbound
        self.answered_at: float | None = None
        self.confirmed = False
        self._rx = -1
        self._rx_at: float | None = None
        self._loud_at = now

    def answered(self, now: float) -> None:
        if self.answered_at is None:
            self.answered_at = now

    def check(self, now: float, rx_packets: int | None) -> str | None:
        lim = self.limits
        if lim.max_call_s and now - self.created >= lim.max_call_s:
            return "max duration"
        if (self.inbound and lim.ack_timeout_s and self.answered_at is not None
                and not self.confirmed and now - self.answered_at >= lim.ack_timeout_s):
            return "no ACK"
        if rx_packets is not None:
            if self._rx_at is None or rx_packets != self._rx:
                self._rx, self._rx_at = rx_packets, now
            elif lim.rtp_timeout_s and now - self._rx_at >= lim.rtp_timeout_s:
                return "no RTP"
        return None

    def silent(self, now: float, level: int | None) -> bool:
        """True once the leg has been quiet for the silence timeout. ``level`` None = not
        measurable now (pjmedia only measures a port that has listeners): not silence."""
        lim = self.limits
        if level is None or level > lim.silence_level:
            self._loud_at = now
            return False
        return bool(lim.silence_timeout_s) and now - self._loud_at >= lim.silence_timeout_s
