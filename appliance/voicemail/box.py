"""Leaving a voicemail: intro and tone, record until '#', hang-up or the time limit.

A bus subscriber's helper (runs on the bus worker, like the IVR): the call flow
hands a call over with :meth:`VoicemailBox.take` and then forwards that call's
digits, prompt ends and hang-up. Recording is a command to the SIP engine
(``record_voicemail`` / ``stop_voicemail``, appliance/telephony/sip/vmrecorder.py): pjsua2's AudioMediaRecorder on the
call's conference port, so SIP and GSM callers are recorded the same way.

**Entry point for other parts** (queue overflow, ...)::

    box.take(call_id, caller, queue="taxi", reason="overflow")

on the bus worker, after the caller's leg is no longer the queue's (hold music
is replaced by the intro). ``CallFlow.take_voicemail(call_id, queue, reason)``
does the same and finds the caller's number itself.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Callable

from appliance import events as ev
from appliance.prompts.audio import run_tool
from appliance.voicemail.store import VoicemailStore, message_path

log = logging.getLogger("callbox.voicemail")

BEEP = "beep"


class Phase(StrEnum):
    INTRO = "intro"  # "please leave a message after the tone" + tone
    RECORDING = "recording"
    SAVED = "saved"  # "thank you, goodbye" is playing; then the box hangs up


class Input(StrEnum):
    PROMPT_DONE = "prompt_done"
    HASH = "hash"
    TIME_UP = "time_up"
    HUNG_UP = "hung_up"


# (phase, input) -> (next phase or None = call over, action)
TRANSITIONS: dict[tuple[Phase, Input], tuple[Phase | None, str]] = {
    (Phase.INTRO, Input.PROMPT_DONE): (Phase.RECORDING, "record"),
    (Phase.INTRO, Input.HASH): (Phase.INTRO, "ignore"),
    (Phase.INTRO, Input.TIME_UP): (Phase.INTRO, "ignore"),
    (Phase.INTRO, Input.HUNG_UP): (None, "gave_up"),
    (Phase.RECORDING, Input.HASH): (Phase.SAVED, "save_and_thank"),
    (Phase.RECORDING, Input.TIME_UP): (Phase.SAVED, "save_and_thank"),
    (Phase.RECORDING, Input.PROMPT_DONE): (Phase.RECORDING, "ignore"),
    (Phase.RECORDING, Input.HUNG_UP): (None, "save_after_hangup"),
    (Phase.SAVED, Input.PROMPT_DONE): (Phase.SAVED, "hang_up"),
    (Phase.SAVED, Input.HASH): (Phase.SAVED, "ignore"),
    (Phase.SAVED, Input.TIME_UP): (Phase.SAVED, "ignore"),
    (Phase.SAVED, Input.HUNG_UP): (None, "ended"),
}


@dataclass
class Recording:
    call_id: str
    caller: str
    queue: str
    reason: str
    language: str
    phase: Phase = Phase.INTRO
    token: int = 0
    started: float = 0.0
    started_at: datetime | None = None
    rel_path: str = ""
    saved: bool = False
    timer: ev.Timer | None = None


class VoicemailBox:
    def __init__(self, control, recorder, prompt: Callable[..., str], bus, store: VoicemailStore,
                 submit: Callable[[Callable[[], None]], object], *, max_s: float = 120.0,
                 min_s: float = 1.0, monotonic: Callable[[], float] | None = None,
                 office_language: str = ""):
        self._control = control
        self._recorder = recorder  # record_voicemail(call_id, path) / stop_voicemail(call_id)
        self._prompt = prompt
        self._bus = bus
        self._store = store
        self._submit = submit  # runs a database write off the bus (a writer thread)
        self._max_s, self._min_s = max_s, min_s
        self._now = monotonic or time.monotonic
        self._office = office_language
        self.calls: dict[str, Recording] = {}
        self._beep = str(store.data_dir / "prompts" / "beep.wav")

    def prepare(self, sox: str = "sox") -> None:
        """The tone after the intro (made once at start-up)."""
        Path(self._beep).parent.mkdir(parents=True, exist_ok=True)
        if not Path(self._beep).is_file():
            run_tool([sox, "-n", "-r", "8000", "-b", "16", "-c", "1", self._beep, "synth",
                      "0.4", "sine", "1000", "vol", "0.5"], "making the voicemail tone")

    # -- the entry point and the call flow's inputs -------------------------------
    def take(self, call_id: str, caller: str, queue: str = "", reason: str = "ivr",
             language: str = "") -> None:
        rec = Recording(call_id, caller, queue, reason, language)
        self.calls[call_id] = rec
        files = [self._path("voicemail_intro", rec), self._beep]
        log.info("call_id=%s to voicemail (%s%s): %s", call_id, reason,
                 f", queue {queue}" * bool(queue), files[0])
        rec.token = self._control.play(call_id, files)

    def owns(self, call_id: str) -> bool:
        return call_id in self.calls

    def digit(self, call_id: str, digit: str) -> None:
        if digit == "#":
            self._fire(call_id, Input.HASH)

    def prompt_finished(self, call_id: str, token: int) -> None:
        rec = self.calls.get(call_id)
        if rec is not None and token == rec.token:
            self._fire(call_id, Input.PROMPT_DONE)

    def hung_up(self, call_id: str, reason: str) -> None:
        self._fire(call_id, Input.HUNG_UP)

    # -- the machine ---------------------------------------------------------------
    def _fire(self, call_id: str, what: Input) -> None:
        rec = self.calls.get(call_id)
        if rec is None:
            return
        try:
            nxt, action = TRANSITIONS[(rec.phase, what)]
        except KeyError:
            raise RuntimeError(f"voicemail call_id={call_id}: no transition for "
                               f"{rec.phase}/{what}") from None
        if nxt is None:
            self.calls.pop(call_id, None)
            self._cancel(rec)
        else:
            rec.phase = nxt
        getattr(self, "_" + action)(rec)

    def _ignore(self, rec: Recording) -> None:
        pass

    def _record(self, rec: Recording) -> None:
        rec.started, rec.started_at = self._now(), ev.utcnow()
        path, rec.rel_path = message_path(self._store.data_dir, rec.call_id, rec.started_at)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._recorder.record_voicemail(rec.call_id, str(path))
        rec.timer = self._bus.call_later(self._max_s, lambda: self._fire(rec.call_id,
                                                                         Input.TIME_UP))

    def _save_and_thank(self, rec: Recording) -> None:
        self._cancel(rec)
        self._recorder.stop_voicemail(rec.call_id)
        self._save(rec)
        rec.token = self._control.play(rec.call_id, [self._path("voicemail_saved", rec)])

    def _save_after_hangup(self, rec: Recording) -> None:
        self._recorder.stop_voicemail(rec.call_id)  # the engine drops it with the leg anyway
        self._save(rec)
        self._ended(rec)

    def _hang_up(self, rec: Recording) -> None:
        self._control.hangup(rec.call_id)

    def _gave_up(self, rec: Recording) -> None:
        self._bus.publish(ev.CallEnded(call_id=rec.call_id, disposition="abandoned",
                                       hangup_cause="caller hung up before the voicemail tone",
                                       ended_by="caller"))

    def _ended(self, rec: Recording) -> None:
        if rec.saved:
            self._bus.publish(ev.CallEnded(call_id=rec.call_id, disposition="voicemail",
                                           hangup_cause="voicemail left", ended_by="caller"))
        else:
            self._bus.publish(ev.CallEnded(call_id=rec.call_id, disposition="abandoned",
                                           hangup_cause="no voicemail: the message was too short",
                                           ended_by="caller"))

    # -- helpers --------------------------------------------------------------------
    def _save(self, rec: Recording) -> None:
        duration = self._now() - rec.started
        if duration < self._min_s:
            log.info("call_id=%s voicemail of %.1f s not kept (shorter than %.1f s)",
                     rec.call_id, duration, self._min_s)
            self._submit(lambda: (self._store.data_dir / rec.rel_path).unlink(missing_ok=True))
            return
        rec.saved = True
        args = (rec.call_id, rec.caller, rec.started_at, duration, rec.queue, rec.reason,
                rec.rel_path)

        def write() -> None:
            if not (self._store.data_dir / rec.rel_path).is_file():
                # pjmedia creates the file when recording starts: none = no recording
                log.error("call_id=%s voicemail was not recorded (no file %s)", rec.call_id,
                          rec.rel_path)
                return
            message_id = self._store.add(*args)
            self._bus.publish(ev.VoicemailLeft(message_id=message_id, call_id=args[0],
                                               caller=args[1], queue=args[4],
                                               duration_s=round(duration, 1)))
        self._submit(write)

    def _path(self, key: str, rec: Recording) -> str:
        if rec.language and rec.language != self._office:
            return self._prompt(key, rec.language)
        return self._prompt(key)

    @staticmethod
    def _cancel(rec: Recording) -> None:
        if rec.timer is not None:
            rec.timer.cancel()
            rec.timer = None
