"""Recordings in the browser: listed and played by supervisors and admins (audited),
refused to dispatchers and technicians."""

from __future__ import annotations

import wave
from datetime import datetime, timezone

from appliance.recording.store import RecordingStore, folder_for
from appliance.store.db import db_path, open_db


def add_recording(data_dir, call_id="c1"):
    at = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    folder = folder_for(data_dir, at)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{call_id}.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(8000)
        wav.writeframes(b"\x00\x01" * 8000)
    return RecordingStore(data_dir, db_path(data_dir)).add(call_id, "taxi", "anna", at, 1.0, path)


def test_a_supervisor_lists_and_plays_a_recording_and_it_is_audited(supervisor, data_dir):
    rec_id = add_recording(data_dir)
    [row] = supervisor.get("/api/recordings?call_id=c1").json
    assert (row["id"], row["queue"], row["dispatcher"], row["seconds"]) == (rec_id, "taxi",
                                                                             "anna", 1.0)
    audio = supervisor.get(row["url"])
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    assert audio.data[:4] == b"RIFF"
    page = supervisor.get("/recordings").get_data(as_text=True)
    assert f'src="{row["url"]}"' in page
    conn = open_db(db_path(data_dir), readonly=True)
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log")]
    assert "recording.play" in actions


def test_dispatchers_and_technicians_may_not_listen(signed_in, data_dir):
    rec_id = add_recording(data_dir)
    for role in ("dispatcher", "technician"):
        client = signed_in(f"u-{role}", role)
        assert client.get(f"/api/recordings/{rec_id}/audio").status_code == 403
        assert client.get("/api/recordings").status_code == 403


def test_a_missing_recording_is_a_404(supervisor):
    assert supervisor.get("/api/recordings/99/audio").status_code == 404
    assert supervisor.get("/api/recordings?limit=0").status_code == 400


def test_the_call_log_plays_a_calls_recording_for_supervisors_only(supervisor, signed_in,
                                                                  data_dir, seed_calls):
    seed_calls([{"call_id": "c1", "queue": "taxi", "dispatcher": "anna",
                 "disposition": "answered", "started_at": "2026-12-01T09:00:00.000000Z"}])
    rec_id = add_recording(data_dir, "c1")
    page = supervisor.get("/calls").get_data(as_text=True)
    assert f'src="/api/recordings/{rec_id}/audio"' in page
    anna = signed_in("anna", "dispatcher", dispatcher="anna")
    assert "/api/recordings/" not in anna.get("/calls").get_data(as_text=True)
