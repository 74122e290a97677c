"""A dispatcher's phone puts the customer on hold: the box plays them hold music.

A phone's Hold key re-INVITEs its leg with a=sendonly or inactive; the SIP engine
publishes ``LegHeld`` (appliance/telephony/sip/media.py). When that leg is the
dispatcher's side of a conversation (a queue call, a callback, a click-to-call:
seats.py), the customer's leg gets the queue's hold music in a loop until the phone
resumes (``LegHeld`` held=False), the conversation ends, or a transfer takes the audio
over (it plays its own music, and bridging the customer to B stops any player).
This is also what the customer hears while the dispatcher consults a colleague from
the phone before an attended transfer. A bus subscriber.
"""

from __future__ import annotations

import logging
from typing import Callable

from appliance import events as ev

log = logging.getLogger("callbox.transfer")

EVENT_TYPES = (ev.LegHeld, ev.LegEnded, ev.CallEnded)


class OnHold:
    def __init__(self, seats, control, music: Callable[[str], str], busy: Callable[[str], bool]):
        self._seats = seats  # seats.Seats: the conversation of a dispatcher's leg
        self._control = control
        self._music = music  # queue -> WAV
        self._busy = busy  # call_id -> a transfer has the call's audio now
        self.held: dict[str, tuple[str, str]] = {}  # call_id -> (dispatcher leg, customer leg)

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.LegHeld):
            self._on_held(event)
        elif isinstance(event, ev.LegEnded):
            for call_id, (leg, _) in list(self.held.items()):
                if leg == event.leg_id:
                    del self.held[call_id]
        elif isinstance(event, ev.CallEnded):
            self.held.pop(event.call_id, None)

    def _on_held(self, event: ev.LegHeld) -> None:
        seat = self._seats.by_leg(event.leg_id)
        if seat is None:
            return  # a caller's own hold, or a call between phones: nothing to play
        if event.held:
            self.held[seat.call_id] = (event.leg_id, seat.caller_leg)
            if not self._busy(seat.call_id):
                self._control.play(seat.caller_leg, [self._music(seat.queue)], loop=True)
            log.info("call_id=%s %s put the caller on hold", seat.call_id, seat.agent)
        elif self.held.pop(seat.call_id, None) is not None:
            if not self._busy(seat.call_id):
                self._control.stop_play(seat.caller_leg)
            log.info("call_id=%s %s took the caller back", seat.call_id, seat.agent)
