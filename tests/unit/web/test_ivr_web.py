"""The IVR editor's API through the Flask app: read, save (validated, versioned, the core
told to reload), night mode, Jalali holidays, prompts uploaded/spoken/listened/saved."""

from __future__ import annotations

import io
import subprocess

import pytest

from appliance.control import ControlServer, socket_path
from appliance.ivr.store import IvrStore


@pytest.fixture
def reloads(data_dir):
    """A core that answers ivr_reload / ivr_status and counts the reloads."""
    seen: list[dict] = []
    server = ControlServer(socket_path(data_dir), lambda: {}, {
        "ivr_reload": lambda args: seen.append(args) or {"version": len(seen)},
        "ivr_status": lambda args: {"night_switch": True}})
    server.start()
    yield seen
    server.stop()


def tree(client):
    response = client.get("/api/ivr")
    assert response.status_code == 200
    return response.get_json()


def editable(doc):
    return {k: doc[k] for k in ("greeting", "root", "menus", "hours", "night_mode")}


def test_get_gives_the_contract_shape_from_callbox_toml_before_any_save(supervisor):
    doc = tree(supervisor)
    assert list(doc)[:5] == ["greeting", "root", "menus", "hours", "night_mode"]
    assert doc["menus"][0]["options"] == {"1": "queue:taxi", "2": "queue:office",
                                          "0": "queue:operator"}
    assert doc["hours"]["closed_action"] == "voicemail" and doc["version"] == 0


def test_a_valid_tree_is_saved_as_a_new_version_and_the_core_reloads(supervisor, reloads,
                                                                      data_dir):
    doc = editable(tree(supervisor))
    doc["menus"][0]["options"]["5"] = "voicemail"
    doc["greeting"] = ""
    response = supervisor.put("/api/ivr", json=doc)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 1 and body["applied"] is True and len(reloads) == 1
    record = IvrStore(data_dir).current()
    assert record["source"] == "web" and record["saved_by"] == "sam"
    again = tree(supervisor)
    assert again["greeting"] == "" and again["menus"][0]["options"]["5"] == "voicemail"
    assert again["night_switch"] is True  # the core's GPIO switch, as the core reports it


def test_saving_with_the_core_down_keeps_the_tree_and_says_so(supervisor):
    body = supervisor.put("/api/ivr", json=editable(tree(supervisor))).get_json()
    assert body["applied"] is False and body["reason"] == "core_down"
    assert tree(supervisor)["version"] == 1


@pytest.mark.parametrize("change, error, node", [
    (lambda d: d["menus"][0]["options"].update({"4": "menu:ghost"}), "unknown_target", "main"),
    (lambda d: d["menus"].append({"id": "lost", "prompt": "main_menu", "options": {},
                                  "default": "hangup"}), "unreachable", "lost"),
    (lambda d: d["menus"][0].update(prompt="nope"), "missing_prompt", "main"),
    (lambda d: d.update(menus=[{"id": "main", "prompt": "main_menu", "options": {},
                                "default": "menu:main"}]), "dead_end", "main"),
])
def test_a_bad_tree_is_refused_naming_the_node_and_nothing_is_saved(supervisor, data_dir,
                                                                   change, error, node):
    doc = editable(tree(supervisor))
    change(doc)
    response = supervisor.put("/api/ivr", json=doc)
    assert response.status_code == 400
    body = response.get_json()
    assert (body["error"], body["node"]) == (error, node) and body["message"]
    assert IvrStore(data_dir).current() is None


def test_errors_come_in_the_readers_language(make_app, users, login):
    app = make_app("ru")
    users.add_user("olga", "correct horse", "supervisor")
    client = app.test_client()
    login(client, "olga")
    doc = editable(tree(client))
    doc["menus"][0]["options"]["4"] = "queue:ghost"
    body = client.put("/api/ivr", json=doc).get_json()
    assert body["message"] == "меню main: нет очереди ghost"


def test_persian_holidays_are_entered_in_the_jalali_calendar(supervisor):
    doc = editable(tree(supervisor))
    doc["hours"]["holidays_jalali"] = ["۱۴۰۵/۰۱/۰۱"]
    assert supervisor.put("/api/ivr", json=doc).status_code == 200
    hours = tree(supervisor)["hours"]
    assert hours["holidays"] == ["2026-03-21"] and hours["holidays_jalali"] == ["1405/01/01"]
    doc["hours"]["holidays_jalali"] = ["1405/13/01"]
    assert supervisor.put("/api/ivr", json=doc).get_json()["node"] == "hours"


def test_night_mode_from_the_page(supervisor, reloads):
    assert supervisor.post("/api/ivr/night", json={"on": True}).get_json()["night_mode"] is True
    assert tree(supervisor)["night_mode"] is True and len(reloads) == 1
    assert supervisor.post("/api/ivr/night", json={"on": "yes"}).status_code == 400


def test_dispatchers_may_not_edit_the_ivr(signed_in):
    client = signed_in("dora", "dispatcher")
    assert client.get("/api/ivr").status_code == 403
    assert client.get("/ivr").status_code == 403


def test_the_page_renders_for_a_supervisor(supervisor):
    page = supervisor.get("/ivr").get_data(as_text=True)
    assert 'id="ivr-settings"' in page and "Save the menu" in page


# -- prompts ---------------------------------------------------------------------------

def sound(tmp_path, ext: str) -> bytes:
    path = tmp_path / f"tone.{ext}"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", "0.5", "sine",
                    "440"], check=True)
    return path.read_bytes()


def upload(client, csrf, data: bytes, name: str):
    token = csrf(client, "/ivr")
    return client.post("/ivr/prompts/upload", content_type="multipart/form-data",
                       data={"csrf": token, "file": (io.BytesIO(data), name)})


@pytest.mark.parametrize("ext", ["wav", "mp3", "ogg"])
def test_uploads_become_8khz_mono_previews_then_prompts(supervisor, csrf, tmp_path, data_dir,
                                                        ext):
    response = upload(supervisor, csrf, sound(tmp_path, ext), f"greeting.{ext}")
    assert response.status_code == 200, response.get_json()
    preview = supervisor.get(response.get_json()["url"])
    assert preview.status_code == 200 and preview.mimetype == "audio/wav"
    import wave
    with wave.open(io.BytesIO(preview.data)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() > 3000
    saved = supervisor.post("/api/ivr/prompts", json={"token": response.get_json()["token"],
                                                      "key": "night_menu", "language": "fa"})
    assert saved.status_code == 200
    assert (data_dir / "prompts/custom/fa/night_menu.wav").is_file()
    rows = {r["key"]: r for r in supervisor.get("/api/ivr/prompts").get_json()}
    assert rows["night_menu"]["languages"]["fa"]["saved"] is True
    assert rows["night_menu"]["languages"]["en"] is None
    assert supervisor.get(rows["night_menu"]["languages"]["fa"]["url"]).status_code == 200


@pytest.mark.parametrize("data, name, why", [
    (b"RIFF\x00\x00garbage" * 20, "broken.wav", "cannot be read as audio"),
    (b"ID3 not an mp3 at all" * 20, "fake.mp3", "cannot be read as audio"),
    (b"%PDF-1.4", "menu.pdf", "only WAV, MP3 or OGG"),
])
def test_broken_or_other_files_are_refused_and_nothing_changes(supervisor, csrf, data_dir,
                                                               data, name, why):
    response = upload(supervisor, csrf, data, name)
    assert response.status_code == 400 and why in response.get_json()["message"]
    assert list(data_dir.rglob("*.wav")) == []  # no preview, no prompt


def test_typed_text_is_spoken_for_a_preview(supervisor):
    response = supervisor.post("/api/ivr/prompts/preview",
                               json={"text": "We are closed tonight.", "language": "en"})
    assert response.status_code == 200, response.get_json()
    assert supervisor.get(response.get_json()["url"]).status_code == 200
    empty = supervisor.post("/api/ivr/prompts/preview", json={"text": " ", "language": "en"})
    assert empty.status_code == 400


def test_a_saved_prompt_can_be_used_in_the_tree(supervisor):
    token = supervisor.post("/api/ivr/prompts/preview",
                            json={"text": "Night menu.", "language": "en"}).get_json()["token"]
    supervisor.post("/api/ivr/prompts", json={"token": token, "key": "night_menu",
                                              "language": "en"})
    doc = editable(tree(supervisor))
    doc["menus"][0]["prompt"] = "night_menu"
    assert supervisor.put("/api/ivr", json=doc).status_code == 200
    doc["menus"][0]["options"]["9"] = "language:ru"  # not in Russian: refused
    body = supervisor.put("/api/ivr", json=doc).get_json()
    assert body["error"] == "missing_prompt" and "ru" in body["message"]


def test_an_earlier_version_can_be_put_back(supervisor, data_dir):
    doc = editable(tree(supervisor))
    first = supervisor.put("/api/ivr", json=doc).get_json()["version"]
    doc["menus"][0]["options"]["1"] = "voicemail"
    supervisor.put("/api/ivr", json=doc)
    versions = supervisor.get("/api/ivr/history").get_json()
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["saved_by"] == "sam"
    back = supervisor.post("/api/ivr/restore", json={"version": first}).get_json()
    assert back["version"] == 3
    assert tree(supervisor)["menus"][0]["options"]["1"] == "queue:taxi"
    assert supervisor.post("/api/ivr/restore", json={"version": 99}).status_code == 404
    assert supervisor.post("/api/ivr/restore", json={"version": "1"}).status_code == 400
