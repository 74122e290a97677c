"""Call recording: both legs of a conversation mixed into one WAV by pjsua2's
AudioMediaRecorder on the conference bridge (8 kHz mono 16-bit, the bridge's format).

Like ``vmrecorder.py`` the methods only post work to the engine thread. A leg whose
media is not up yet (the bridge is still being made) is retried on later loop turns,
a bounded number of times. ``stop`` drops the recorder between loop turns; pjmedia
finishes the WAV header when it is destroyed, then ``done(key, path)`` runs — on the
engine thread, so it must only hand the file on (a queue, a thread pool).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

log = logging.getLogger("callbox.sip")

MEDIA_WAIT_TURNS = 400  # loop turns (≈ 2 s at 5 ms) to wait for a leg's audio


class CallRecorder:
    def __init__(self, engine: Callable[[], Any], done: Callable[[str, str], None]):
        self._engine = engine  # the router's engine (None while the SIP engine is missing)
        self._done = done
        self._recorders: dict[str, tuple[Any, str]] = {}  # engine thread only

    def record(self, key: str, legs: Sequence[str], path: str) -> None:
        engine = self._engine()
        if engine is not None:
            engine._submit(lambda: self._start(engine, key, tuple(legs), path, MEDIA_WAIT_TURNS))

    def tap(self, key: str, leg_id: str) -> None:
        """One more leg into recording ``key`` (a transfer's new dispatcher)."""
        engine = self._engine()
        if engine is not None:
            engine._submit(lambda: self._tap(engine, key, leg_id, MEDIA_WAIT_TURNS))

    def stop(self, key: str) -> None:
        engine = self._engine()
        if engine is not None:
            engine._submit(lambda: self._stop(key))

    # -- engine thread ----------------------------------------------------------
    def _start(self, engine: Any, key: str, legs: tuple, path: str, turns: int) -> None:
        import pjsua2 as pj
        found = [engine._legs.get(leg_id) for leg_id in legs]
        if any(leg is None or leg.ended for leg in found):
            log.info("recording %s not started: a leg is gone", key)
            return
        if any(leg.media is None for leg in found):
            if turns > 0:  # the bridge is still being made: try again next turn
                engine._submit(lambda: self._start(engine, key, legs, path, turns - 1))
            else:
                log.warning("recording %s not started: no audio on a leg", key)
            return
        if key in self._recorders:
            return
        recorder = pj.AudioMediaRecorder()
        try:
            recorder.createRecorder(path)
            for leg in found:
                leg.media.startTransmit(recorder)
        except pj.Error as exc:
            log.error("recording %s to %s failed: %s", key, path, exc.info())
            return
        for leg in found:
            self._keep_tapped(leg, key)
        self._recorders[key] = (recorder, path)
        log.info("recording %s to %s", key, path)

    def _tap(self, engine: Any, key: str, leg_id: str, turns: int) -> None:
        leg, found = engine._legs.get(leg_id), self._recorders.get(key)
        if found is None or leg is None or leg.ended:
            return
        if leg.media is None:
            if turns > 0:
                engine._submit(lambda: self._tap(engine, key, leg_id, turns - 1))
            return
        leg.media.startTransmit(found[0])
        self._keep_tapped(leg, key)
        log.info("recording %s: leg %s added", key, leg_id)

    def _keep_tapped(self, leg: Any, key: str) -> None:
        """A re-INVITE that renews the leg's port (media.py) taps the new one."""
        def renew(renewed: Any) -> None:
            found = self._recorders.get(key)
            if found is not None:
                renewed.media.startTransmit(found[0])
        leg.extra.setdefault("renew", []).append(renew)

    def _stop(self, key: str) -> None:
        # No stopTransmit (see media.py): destroying the recorder removes its port with
        # its connections, and finishes the file.
        found = self._recorders.pop(key, None)
        if found is None:
            return
        recorder, path = found
        del recorder, found
        self._done(key, path)
