"""Leaving a voicemail: intro and tone, recording until '#'/hang-up/limit, stored in SQLite."""

from appliance import events as ev
from appliance.voicemail.box import VoicemailBox
from appliance.voicemail.store import VoicemailStore
from calllogic_fakes import prompt

CALLER = "+989121234567"


class Recorder:
    def __init__(self):
        self.commands = []

    def record_voicemail(self, call_id, path):
        self.commands.append(("record", call_id, path))
        with open(path, "wb") as f:  # what pjmedia would leave behind
            f.write(b"RIFF")

    def stop_voicemail(self, call_id):
        self.commands.append(("stop", call_id))


def make(bus, control, tmp_path, **kw):
    recorder, store = Recorder(), VoicemailStore(tmp_path)
    box = VoicemailBox(control, recorder, prompt, bus, store, lambda fn: fn(), max_s=30,
                       min_s=1.0, office_language="en", monotonic=bus.monotonic, **kw)
    return box, recorder, store


def intro_ends(box, control, call_id="c1"):
    box.prompt_finished(call_id, control.last_play(call_id).token)


def test_intro_tone_record_hash_saves_and_says_goodbye(bus, control, tmp_path):
    box, recorder, store = make(bus, control, tmp_path)
    box.take("c1", CALLER, queue="taxi", reason="overflow")
    files = control.last_play("c1").files
    assert files[0] == prompt("voicemail_intro") and files[1].endswith("beep.wav")
    box.digit("c1", "#")  # during the intro: nothing to stop yet
    assert recorder.commands == []
    intro_ends(box, control)
    [(_, _, path)] = recorder.commands
    assert path.startswith(str(tmp_path / "voicemail")) and path.endswith("c1.wav")
    bus.advance(6.5)
    box.digit("c1", "#")
    assert recorder.commands[-1] == ("stop", "c1")
    assert control.last_play("c1").files == (prompt("voicemail_saved"),)
    [msg] = store.list()
    assert (msg.caller, msg.queue, msg.reason, msg.duration_s, msg.heard_by) == (
        CALLER, "taxi", "overflow", 6.5, None)
    assert store.file(msg).is_file() and store.unread() == 1
    [left] = bus.of(ev.VoicemailLeft)
    assert left.message_id == msg.id
    intro_ends(box, control)  # the goodbye ends: the box hangs up
    assert control.hangups() == [("c1", 0)]
    box.hung_up("c1", "bye")
    [end] = bus.of(ev.CallEnded)
    assert (end.disposition, end.hangup_cause) == ("voicemail", "voicemail left")


def test_hanging_up_after_speaking_keeps_the_message(bus, control, tmp_path):
    box, recorder, store = make(bus, control, tmp_path)
    box.take("c1", CALLER)
    intro_ends(box, control)
    bus.advance(3)
    box.hung_up("c1", "bye")
    assert recorder.commands[-1] == ("stop", "c1")
    assert [m.duration_s for m in store.list()] == [3.0]
    assert bus.of(ev.CallEnded)[0].disposition == "voicemail"


def test_the_time_limit_cuts_the_message(bus, control, tmp_path):
    box, recorder, store = make(bus, control, tmp_path)
    box.take("c1", CALLER)
    intro_ends(box, control)
    bus.advance(31)
    assert recorder.commands[-1] == ("stop", "c1")
    assert [m.duration_s for m in store.list()] == [30.0]


def test_hanging_up_at_the_tone_keeps_nothing(bus, control, tmp_path):
    box, recorder, store = make(bus, control, tmp_path)
    box.take("c1", CALLER)
    box.hung_up("c1", "bye")
    assert store.list() == [] and bus.of(ev.CallEnded)[0].disposition == "abandoned"
    box.take("c2", CALLER)
    intro_ends(box, control, "c2")
    bus.advance(0.4)
    box.hung_up("c2", "bye")
    assert store.list() == [] and not (tmp_path / recorder.commands[0][2]).exists()


def test_marking_handled_records_who_and_only_the_first(tmp_path):
    from datetime import datetime, timezone
    store = VoicemailStore(tmp_path)
    mid = store.add("c1", CALLER, datetime(2026, 12, 2, tzinfo=timezone.utc), 5.0, "", "ivr",
                    "voicemail/2026-12/c1.wav")
    assert store.mark_handled(mid, "sara").heard_by == "sara"
    assert store.mark_handled(mid, "ali").heard_by == "sara"
    assert store.unread() == 0 and store.mark_handled(999, "ali") is None


def test_a_recording_that_never_started_is_not_listed(bus, control, tmp_path):
    box, recorder, store = make(bus, control, tmp_path)
    recorder.record_voicemail = lambda call_id, path: None  # the engine could not record
    box.take("c1", CALLER)
    intro_ends(box, control)
    bus.advance(5)
    box.digit("c1", "#")
    assert store.list() == [] and bus.of(ev.VoicemailLeft) == []
