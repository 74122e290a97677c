"""Recording per queue: started on a recorded queue's bridge, stopped at the end, kept
within the quota and the retention (oldest first), never started on a nearly full disk."""

from __future__ import annotations

import wave
from datetime import datetime, timedelta, timezone
from pathlib import Path

from appliance import events as ev
from appliance.config.model import QueueConfig, RecordingConfig
from appliance.recording.service import CallRecording
from appliance.recording.store import RecordingStore, folder_for
from appliance.store.db import db_path

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
MB = 1024 * 1024


def write_wav(path: Path, seconds: float) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(8000)
        wav.writeframes(b"\x10\x00" * int(8000 * seconds))


class FakeRecorder:
    """Stands in for the SIP engine's recorder: writes a WAV where pjsua2 would."""

    def __init__(self, seconds: float = 2.0):
        self.started: list[tuple[str, tuple, str]] = []
        self.seconds = seconds
        self.service = None

    def record(self, key, legs, path):
        self.started.append((key, tuple(legs), path))
        write_wav(Path(path), self.seconds)

    def tap(self, key, leg_id):
        self.started.append((key + "+", (leg_id,), ""))

    def stop(self, key):
        path = next(p for k, _, p in self.started if k == key)
        self.service.finished(key, path)


def service(tmp_path, now, fmt="wav", quota_mb=1000.0, retention_days=90.0, free=10**12,
            seconds=2.0):
    store = RecordingStore(tmp_path, db_path(tmp_path))
    recorder = FakeRecorder(seconds)
    rec = CallRecording([QueueConfig("taxi", record=True), QueueConfig("office")],
                        RecordingConfig(quota_mb=quota_mb, retention_days=retention_days,
                                        format=fmt),
                        recorder, store, submit=lambda fn: fn(), clock=lambda: now[0],
                        free_bytes=lambda: free)
    recorder.service = rec
    return rec, recorder, store


def talk(rec, call_id, queue="taxi"):
    rec.handle(ev.CallBridged(call_id=call_id, dispatcher="ali", queue=queue, wait_s=1.0,
                              legs=(call_id, "leg-" + call_id)))
    rec.handle(ev.CallEnded(call_id=call_id, disposition="answered", hangup_cause="BYE"))


def test_only_recorded_queues_are_recorded_both_legs_into_one_file(tmp_path):
    now = [T0]
    rec, recorder, store = service(tmp_path, now)
    talk(rec, "c1")
    talk(rec, "c2", queue="office")
    assert [(k, legs) for k, legs, _ in recorder.started] == [("c1", ("c1", "leg-c1"))]
    [row] = store.list()
    assert (row.call_id, row.queue, row.dispatcher, row.seconds) == ("c1", "taxi", "ali", 2.0)
    assert store.file(row).is_file()
    assert store.file(row).parent == folder_for(tmp_path, T0)


def test_a_transferred_call_records_the_new_dispatcher_too(tmp_path):
    now = [T0]
    rec, recorder, store = service(tmp_path, now)
    rec.handle(ev.CallBridged(call_id="c1", dispatcher="ali", queue="taxi", wait_s=1.0,
                              legs=("c1", "leg-c1")))
    rec.handle(ev.CallTransferred(call_id="c1", from_dispatcher="ali", to_dispatcher="sara",
                                  mode="blind", legs=("c1", "xfer-1")))
    rec.handle(ev.CallEnded(call_id="c1", disposition="answered", hangup_cause="BYE"))
    assert [(k, legs) for k, legs, _ in recorder.started] == [("c1", ("c1", "leg-c1")),
                                                              ("c1+", ("xfer-1",))]
    [row] = store.list()
    assert row.dispatcher == "sara"


def test_ogg_is_compact(tmp_path):
    now = [T0]
    rec, _, store = service(tmp_path, now, fmt="ogg", seconds=10.0)
    talk(rec, "c1")
    [row] = store.list()
    assert row.path.endswith(".ogg") and store.file(row).is_file()
    assert row.bytes < 8000 * 2 * 10 / 4  # well under a quarter of the 16 KiB/s WAV
    assert not list(tmp_path.rglob("*.wav"))


def test_the_quota_deletes_the_oldest_first(tmp_path):
    now = [T0]
    size = 8000 * 2 * 10 + 44  # one 10 s WAV
    rec, _, store = service(tmp_path, now, quota_mb=2.5 * size / MB, seconds=10.0)
    for i in range(4):
        now[0] = T0 + timedelta(minutes=i)
        talk(rec, f"c{i}")
    kept = sorted(r.call_id for r in store.list())
    assert kept == ["c2", "c3"]
    files = sorted(p.stem for p in tmp_path.rglob("*.wav"))
    assert files == ["c2", "c3"]  # the files went with their rows


def test_retention_deletes_what_is_too_old(tmp_path):
    now = [T0]
    rec, _, store = service(tmp_path, now, retention_days=30)
    talk(rec, "old")
    now[0] = T0 + timedelta(days=31)
    talk(rec, "new")
    assert [r.call_id for r in store.list()] == ["new"]


def test_no_recording_on_a_nearly_full_disk(tmp_path):
    now = [T0]
    rec, recorder, store = service(tmp_path, now, free=50 * MB)
    talk(rec, "c1")
    assert recorder.started == [] and store.list() == [] and rec.skipped == 1


def test_the_recorded_queue_tells_the_caller(bus, control):
    from calllogic_fakes import make_acd, taxi_queue, wavs
    acd = make_acd(bus, control, [taxi_queue(record=True)])
    acd.logout("ali")
    acd.logout("sara")
    acd.enqueue("c1", "taxi", "")
    assert control.plays_for("c1") == [wavs("recording_notice", "please_hold")]
