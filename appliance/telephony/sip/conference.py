"""Audio paths between legs in the conference bridge, on request: supervision
(listen, whisper, barge) connects and disconnects one direction at a time.

Like ``vmrecorder.py`` the methods only post work to the engine thread. A leg whose
audio is not up yet (the supervisor's phone just answered) is retried on later loop
turns, a bounded number of times. A disconnect is only made while both legs are
alive: pjmedia 2.15 asserts on a disconnect queued after a port was removed, and a
port that goes away takes its connections with it anyway (see media.py).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

log = logging.getLogger("callbox.sip")

MEDIA_WAIT_TURNS = 400  # ≈ 2 s at a 5 ms poll

Pair = tuple[str, str]  # (from leg, to leg): the first one's audio is heard on the second


class AudioPaths:
    def __init__(self, engine: Callable[[], Any]):
        self._engine = engine  # the router's engine (None while the SIP engine is missing)

    def connect(self, pairs: Sequence[Pair]) -> None:
        engine = self._engine()
        if engine is not None:
            pairs = list(pairs)
            engine._submit(lambda: self._connect(engine, pairs, MEDIA_WAIT_TURNS))

    def disconnect(self, pairs: Sequence[Pair]) -> None:
        engine = self._engine()
        if engine is not None:
            pairs = list(pairs)
            engine._submit(lambda: self._disconnect(engine, pairs))

    # -- engine thread ----------------------------------------------------------
    @staticmethod
    def _legs(engine: Any, pair: Pair) -> tuple[Any, Any] | None:
        a, b = engine._legs.get(pair[0]), engine._legs.get(pair[1])
        if a is None or b is None or a.ended or b.ended:
            return None
        return a, b

    def _connect(self, engine: Any, pairs: list[Pair], turns: int) -> None:
        waiting = []
        for pair in pairs:
            legs = self._legs(engine, pair)
            if legs is None:
                log.info("audio path %s -> %s not made: a leg is gone", *pair)
            elif legs[0].media is None or legs[1].media is None:
                waiting.append(pair)
            else:
                legs[0].media.startTransmit(legs[1].media)
                engine._paths.add(pair)  # remade if a re-INVITE renews a port (media.py)
        if waiting and turns > 0:
            engine._submit(lambda: self._connect(engine, waiting, turns - 1))
        elif waiting:
            log.warning("audio paths %s not made: no audio on a leg", waiting)

    def _disconnect(self, engine: Any, pairs: list[Pair]) -> None:
        for pair in pairs:
            legs = self._legs(engine, pair)
            engine._paths.discard(tuple(pair))
            if legs is not None and legs[0].media is not None and legs[1].media is not None:
                legs[0].media.stopTransmit(legs[1].media)
