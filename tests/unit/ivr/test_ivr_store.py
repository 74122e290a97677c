"""The IVR tree in TinyDB: versions, and who wins when callbox.toml changes (the web)."""

import json

from appliance.config.model import IvrConfig, IvrMenu
from appliance.ivr.document import config_to_doc
from appliance.ivr.store import IvrStore
from calllogic_fakes import office_ivr


def test_first_start_imports_callbox_toml(tmp_path):
    store = IvrStore(tmp_path)
    record = store.import_toml(office_ivr())
    assert (record["version"], record["source"]) == (1, "toml")
    cfg, version = store.load(IvrConfig())
    assert version == 1 and [m.id for m in cfg.menus] == ["main", "info"]


def test_an_unchanged_toml_is_not_imported_again(tmp_path):
    store = IvrStore(tmp_path)
    store.import_toml(office_ivr())
    assert store.import_toml(office_ivr())["version"] == 1


def test_a_changed_toml_replaces_a_toml_tree(tmp_path):
    store = IvrStore(tmp_path)
    store.import_toml(office_ivr())
    changed = office_ivr()
    changed.greeting = ""
    assert store.import_toml(changed)["version"] == 2


def test_web_edits_win_over_a_changed_toml_and_the_toml_waits_aside(tmp_path):
    store = IvrStore(tmp_path)
    store.import_toml(office_ivr())
    web = config_to_doc(office_ivr())
    web["greeting"] = "welcome_web"
    store.save(web, "sara")
    toml = IvrConfig(menus=[IvrMenu(id="main", prompt="main_menu", default="hangup")])
    record = store.import_toml(toml)
    assert record["source"] == "web" and record["tree"]["greeting"] == "welcome_web"
    assert record["pending_toml"]["tree"]["menus"][0]["default"] == "hangup"
    taken = store.take_toml("admin")
    assert taken["source"] == "toml" and taken["version"] == 3 and taken["pending_toml"] is None
    assert [h["version"] for h in store.history()] == [3, 2, 1]
    assert store.history()[1]["saved_by"] == "sara"  # the web version is kept


def test_the_file_is_json_written_whole(tmp_path):
    store = IvrStore(tmp_path)
    store.import_toml(office_ivr())
    store.set_night(True, "sara")
    data = json.loads((tmp_path / "ivr.json").read_text())
    assert data["current"]["1"]["tree"]["night_mode"] is True
    assert not list(tmp_path.glob(".ivr.json.*.tmp"))
