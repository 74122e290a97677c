"""The office's settings on the admin page, over the real config store: a bad field is
named and nothing is stored; a good change is stored, audited and in force for the web."""

from __future__ import annotations

import re

import pytest

from appliance.config.store import ConfigStore

TOML = """
[office]
name = "Settings Taxi"
language = "en"
[[dispatcher]]
name = "anna"
extension = "101"
phone = "sip:101@192.168.1.21"
lamp = 17
[[dispatcher]]
name = "boris"
extension = "102"
phone = "sip:102@192.168.1.22"
[[gsm]]
name = "gsm1"
port = "/dev/ttyUSB2"
pin = "1234"
"""


@pytest.fixture
def provisioned(data_dir, tmp_path):
    path = tmp_path / "callbox.toml"
    path.write_text(TOML)
    with ConfigStore(data_dir) as store:
        store.provision(path)
    return data_dir


def _csrf(client):
    return re.search(r'name="csrf" value="([^"]+)"',
                     client.get("/admin/settings").get_data(as_text=True)).group(1)


def _form(client, **fields):
    base = {"csrf": _csrf(client),
            "dispatcher-0-name": "anna", "dispatcher-0-extension": "101",
            "dispatcher-0-phone": "sip:101@192.168.1.21", "dispatcher-0-lamp": "17",
            "dispatcher-0-button": "",
            "dispatcher-1-name": "boris", "dispatcher-1-extension": "102",
            "dispatcher-1-phone": "sip:102@192.168.1.22", "dispatcher-1-lamp": "",
            "dispatcher-1-button": "",
            "dispatcher-2-name": "", "dispatcher-2-extension": "", "dispatcher-2-phone": "",
            "dispatcher-2-lamp": "", "dispatcher-2-button": ""}
    base.update(fields)
    return base


def test_the_page_shows_the_stored_settings_but_no_secrets(signed_in, provisioned):
    admin = signed_in("root", "admin")
    html = admin.get("/admin/settings").get_data(as_text=True)
    assert 'value="sip:101@192.168.1.21"' in html and 'value="/dev/ttyUSB2"' in html
    assert "1234" not in html  # the SIM PIN stays in secrets.json


def test_a_bad_field_is_named_and_nothing_is_stored(signed_in, provisioned):
    admin = signed_in("root", "admin")
    before = (provisioned / "config.json").read_bytes()
    response = admin.post("/admin/settings/dispatcher",
                          data=_form(admin, **{"dispatcher-1-lamp": "seventeen"}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "dispatcher[1].lamp" in html and 'aria-invalid="true"' in html
    assert 'value="seventeen"' in html  # what was typed stays in the form
    assert (provisioned / "config.json").read_bytes() == before


def test_a_change_is_stored_audited_and_used_by_the_web(signed_in, provisioned, app):
    admin = signed_in("root", "admin")
    response = admin.post("/admin/settings/dispatcher", data=_form(admin, **{
        "dispatcher-1-remove": "1", "dispatcher-2-name": "Ali", "dispatcher-2-extension": "103",
        "dispatcher-2-phone": "sip:103@192.168.1.23", "dispatcher-2-lamp": "27"}))
    assert response.status_code == 200, response.get_data(as_text=True)[-800:]
    with ConfigStore(provisioned) as store:
        config = store.load()
    assert [(d.name, d.lamp) for d in config.dispatcher] == [("anna", 17), ("Ali", 27)]
    assert config.gsm[0].pin == "1234"  # secrets untouched
    assert [d.name for d in app.extensions["callbox"].config.dispatcher] == ["anna", "Ali"]
    (entry,) = app.extensions["callbox"].audit.search(action="config.change")
    assert entry.actor == "root" and entry.target == "dispatcher"
    assert "dispatcher" in ConfigStore(provisioned).meta()["web_edits"]


def test_lamps_and_lines_are_checked_too(signed_in, provisioned):
    admin = signed_in("root", "admin")
    bad = admin.post("/admin/settings/lamps", data={
        "csrf": _csrf(admin), "lamps-0-pin_factory": "magic", "lamps-0-queue_waiting": "22",
        "lamps-0-status": ""})
    assert bad.status_code == 400 and "lamps.pin_factory" in bad.get_data(as_text=True)
    ok = admin.post("/admin/settings/lamps", data={
        "csrf": _csrf(admin), "lamps-0-pin_factory": "mock", "lamps-0-queue_waiting": "23",
        "lamps-0-status": "24"})
    assert ok.status_code == 200
    with ConfigStore(provisioned) as store:
        assert (store.load().lamps.queue_waiting, store.load().lamps.status) == (23, 24)


def test_the_page_says_what_the_core_took_and_what_needs_a_restart(signed_in, provisioned,
                                                                   data_dir):
    from appliance.control import ControlServer, socket_path
    calls = []
    answers = {"config_reload": lambda args: calls.append(args) or {
        "applied": [], "restart_needed": ["dispatcher"]}}
    server = ControlServer(socket_path(data_dir), lambda: {}, answers, heartbeat_s=0.5)
    server.start()
    try:
        admin = signed_in("root", "admin")
        html = admin.post("/admin/settings/dispatcher", data=_form(admin)).get_data(as_text=True)
    finally:
        server.stop()
    assert calls == [{}]
    assert "Needs a restart of the call system" in html and "Dispatchers" in html
