"""Voicemail recording: pjsua2's AudioMediaRecorder on a call's conference port.

A small, self-contained command set for the SIP engine: both methods only post
work to the engine thread (the one thread that touches pjsua2). The recorder is
kept referenced here until ``stop`` drops it between loop turns (never in a
callback); pjmedia writes the WAV header when it is destroyed. A GSM caller's
audio is a media port in the same bridge, so it is recorded the same way.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

log = logging.getLogger("callbox.sip")


class VoicemailRecorder:
    """``record(call_id, path)`` / ``stop(call_id)`` for calls of ``engine()``."""

    def __init__(self, engine: Callable[[], Any]):
        self._engine = engine  # the router's engine (None while the SIP engine is missing)
        self._recorders: dict[str, Any] = {}  # touched on the engine thread only

    def record_voicemail(self, call_id: str, path: str) -> None:
        engine = self._engine()
        if engine is not None:
            engine._submit(lambda: self._start(engine, call_id, path))

    def stop_voicemail(self, call_id: str) -> None:
        engine = self._engine()
        if engine is not None:
            engine._submit(lambda: self._stop(call_id))

    # -- engine thread ----------------------------------------------------------
    def _start(self, engine: Any, call_id: str, path: str) -> None:
        import pjsua2 as pj
        leg = engine._legs.get(call_id)
        if leg is None or leg.ended or leg.media is None:
            log.warning("call_id=%s cannot record voicemail: the call's audio is gone", call_id)
            return
        self._stop(call_id)
        recorder = pj.AudioMediaRecorder()
        try:
            recorder.createRecorder(path)
            leg.media.startTransmit(recorder)
        except pj.Error as exc:
            log.error("call_id=%s cannot record to %s: %s", call_id, path, exc.info())
            return
        self._recorders[call_id] = recorder

        def renew(renewed: Any) -> None:  # a re-INVITE renewed the caller's port (media.py)
            current = self._recorders.get(call_id)  # never keep the recorder alive here
            if current is not None:
                renewed.media.startTransmit(current)
        leg.extra.setdefault("renew", []).append(renew)
        log.info("call_id=%s recording voicemail to %s", call_id, path)

    def _stop(self, call_id: str) -> None:
        # No stopTransmit (see media.py): destroying the recorder removes its port with
        # its connections, and finishes the file.
        self._recorders.pop(call_id, None)
