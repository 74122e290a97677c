"""Call-slot budget: pure arithmetic, no pjsua2.

The SIP engine has a fixed number of call slots (PJSUA_MAX_CALLS; 4 in the PyPI
wheel). Every caller will need one more slot for its dispatcher's leg, so a caller
is only admitted when that slot is there too; otherwise the caller would sit in the
queue with no way to reach anyone. GSM callers take no SIP slot themselves, but
their dispatcher leg does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlotBudget:
    total: int
    reserve_dispatcher_slot: bool = True

    def admit_sip_caller(self, in_use: int, callers_without_leg: int) -> bool:
        """May a new SIP caller take a slot (and reserve one for its dispatcher)?"""
        reserved = callers_without_leg if self.reserve_dispatcher_slot else 0
        own = 2 if self.reserve_dispatcher_slot else 1
        return in_use + reserved + own <= self.total

    def allow_leg(self, in_use: int, other_callers_without_leg: int) -> bool:
        """May an outbound leg start without eating another caller's reservation?"""
        reserved = other_callers_without_leg if self.reserve_dispatcher_slot else 0
        return in_use + reserved + 1 <= self.total


KEY_FREE_DELAY_S = 0.5  # pjlib keeps a closed socket's ioqueue key this long before reuse


def socket_call_rate(total_slots: int) -> int:
    """New calls per second (and burst) the ioqueue can take without running out of keys.

    Each call holds two keys (RTP, RTCP) while it lives and for 0.5 s after. The stock
    build has 64 keys for 4 calls, the project's build 8 per call slot; the live calls
    and a few SIP sockets come first, and the rest is halved as a safety margin.
    """
    keys = max(64, 8 * total_slots)
    spare = keys - 2 * total_slots - 8
    return max(1, int(spare / 2 / (2 * KEY_FREE_DELAY_S) / 2))
