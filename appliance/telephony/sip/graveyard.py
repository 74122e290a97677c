"""Where the SIP engine's dropped media objects wait before they are destroyed.

Destroying a pjsua2 player or media port queues its removal from the conference bridge,
and the bridge's clock thread applies it at its next 20 ms tick; the C++ object is freed
at once. Until that tick the bridge still reads the port: a player that reaches its end
then posts an end-of-file event, and pjmedia's event thread calls back into the freed
object (the SIGSEGV in ``ev_thread`` under load); a GSM frame port is called from the
clock thread the same way. So an object is first cut off from its listeners (the
bridge does not read a port nobody listens to) and only destroyed ``DELAY_S`` later,
long after any queued event or tick that could still reach it.
"""

from __future__ import annotations

import collections
import time
from typing import Any, Callable

DELAY_S = 1.0  # 50 bridge ticks; an event or a conference operation waits for one tick


class Graveyard:
    def __init__(self, clock: Callable[[], float] = time.monotonic, delay_s: float = DELAY_S):
        self._clock = clock
        self._delay = delay_s
        self._graves: collections.deque[tuple[float, Any]] = collections.deque()

    def append(self, obj: Any) -> None:
        """Keep ``obj`` referenced for ``delay_s`` more seconds."""
        self._graves.append((self._clock() + self._delay, obj))

    def sweep(self) -> None:
        """Drop (and so destroy) what has waited long enough; on the engine thread."""
        now = self._clock()
        while self._graves and self._graves[0][0] <= now:
            self._graves.popleft()

    def clear(self) -> None:
        """Drop everything: at shutdown, before ``libDestroy``."""
        self._graves.clear()

    def __len__(self) -> int:
        return len(self._graves)
