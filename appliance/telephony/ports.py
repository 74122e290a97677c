"""The ports between the call logic and the lines that carry calls.

A *line* is where calls enter or leave: the SIP engine (pjsua2) or a GSM modem
(pyserial). The IVR and the queue see only :class:`CallControl`; which line owns
a call is the router's business. Every method returns at once: results come back
as events on the bus (``CallOffered``, ``DtmfReceived``, ``PromptFinished``,
``LegRinging``, ``LegAnswered``, ``LegEnded``, ``CallHungUp``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

FRAME_BYTES = 320  # 20 ms of 8 kHz 16-bit mono PCM
FRAME_MS = 20
CLOCK_RATE = 8000


@dataclass(frozen=True)
class Capacity:
    total: int  # call slots in the SIP engine
    used: int

    @property
    def free(self) -> int:
        return max(0, self.total - self.used)


class CallControl(Protocol):
    """What the IVR and the queue ask of the telephony side (non-blocking)."""

    def answer(self, call_id: str) -> None: ...

    def reject(self, call_id: str, code: int, reason: str) -> None: ...

    def hangup(self, call_id: str, code: int = 0) -> None:
        """End an inbound call or an outbound leg (ids share one namespace)."""

    def play(self, call_id: str, files: Sequence[str], loop: bool = False) -> int:
        """Play WAV files in order; returns a token. ``PromptFinished(call_id, token)``
        follows when the last file ends (never when ``loop``). Replaces any playback."""

    def stop_play(self, call_id: str) -> None: ...

    def originate(self, leg_id: str, uri: str, caller_id: str = "", for_call: str = "") -> None:
        """Place an outbound leg (a dispatcher's phone): LegRinging/LegAnswered/LegEnded.
        ``for_call`` names the caller it serves, so it may use that caller's reserved slot."""

    def bridge(self, call_id: str, leg_id: str) -> None:
        """Connect the two legs' audio both ways (stops any playback on either)."""


class FrameSource(Protocol):
    """Audio of a non-SIP call (a GSM modem's PCM port) as 20 ms frames.

    Both methods are called from the SIP engine's media clock and must never
    block: ``read_frame`` returns silence on underrun, ``write_frame`` drops the
    oldest audio on overrun.
    """

    def read_frame(self) -> bytes: ...

    def write_frame(self, frame: bytes) -> None: ...


class Line(Protocol):
    """A GSM modem (or other non-SIP line) as the rest of the box sees it."""

    name: str
    kind: str  # "gsm"

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def answer(self, call_id: str) -> None: ...

    def reject(self, call_id: str, code: int, reason: str) -> None: ...

    def hangup(self, call_id: str, code: int = 0) -> None: ...

    def originate(self, leg_id: str, number: str) -> None: ...

    def media(self, call_id: str) -> FrameSource | None:
        """The call's audio once it is connected (None before)."""

    def status(self) -> dict:
        """``{"name", "kind", "state", ...}`` for /api/status."""
