"""Voicemail on the web: the contract list, unread count, playback (audited), handled-by."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from appliance.store.db import db_path
from appliance.voicemail.store import VoicemailStore, message_path


def leave(data_dir, call_id: str, at: datetime, caller="+989121234567", queue="taxi") -> int:
    path, rel = message_path(data_dir, call_id, at)
    path.parent.mkdir(parents=True, exist_ok=True)
    import subprocess
    subprocess.run(["sox", "-n", "-r", "8000", "-b", "16", "-c", "1", str(path), "synth", "1",
                    "sine", "500"], check=True)
    return VoicemailStore(data_dir).add(call_id, caller, at, 4.2, queue, "overflow", rel)


def test_list_is_the_contract_newest_first_with_unread_count(supervisor, data_dir):
    old = leave(data_dir, "c1", datetime(2026, 12, 1, 8, tzinfo=timezone.utc))
    new = leave(data_dir, "c2", datetime(2026, 12, 2, 8, tzinfo=timezone.utc), queue="")
    response = supervisor.get("/api/voicemail?limit=10")
    assert response.status_code == 200 and response.headers["X-Unread"] == "2"
    body = response.get_json()
    assert [m["id"] for m in body] == [new, old]
    assert list(body[0])[:7] == ["id", "caller", "at", "duration_s", "queue", "heard_by", "url"]
    assert body[1]["queue"] == "taxi" and body[0]["queue"] is None
    assert body[1]["duration_s"] == 4.2 and body[1]["at"].startswith("2026-12-01T08:00:00")
    assert [m["id"] for m in supervisor.get("/api/voicemail?limit=1").get_json()] == [new]
    assert supervisor.get("/api/voicemail?limit=x").status_code == 400


def test_playing_is_audited_and_handling_records_who(signed_in, data_dir):
    mid = leave(data_dir, "c1", datetime(2026, 12, 1, 8, tzinfo=timezone.utc))
    client = signed_in("dora", "dispatcher")
    [msg] = client.get("/api/voicemail").get_json()
    audio = client.get(msg["url"])
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    done = client.post(f"/api/voicemail/{mid}/handled", json={})
    assert done.get_json()["heard_by"] == "dora" and done.get_json()["unread"] == 0
    assert client.get("/api/voicemail/unread").get_json() == {"unread": 0}
    conn = sqlite3.connect(db_path(data_dir))
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "voicemail.play" in actions and "voicemail.handled" in actions
    assert client.post("/api/voicemail/999/handled", json={}).status_code == 404


def test_technicians_do_not_hear_callers(signed_in):
    client = signed_in("tom", "technician")
    assert client.get("/api/voicemail").status_code == 403


def test_the_page_lists_through_its_script(supervisor):
    page = supervisor.get("/voicemail").get_data(as_text=True)
    assert 'id="vm-settings"' in page and "voicemail.js" in page
