"""Pause/resume from the live page: supervisors for anyone, a dispatcher only for
themselves; the page gets the menu callers, capacity and the demo switch."""

from __future__ import annotations

import json
import re

from appliance.events import DispatcherStateChanged


def _settings(client) -> dict:
    html = client.get("/").get_data(as_text=True)
    raw = re.search(r'<script id="live-settings" type="application/json">(.*?)</script>',
                    html, re.S).group(1)
    return json.loads(raw)


def _state(core, name: str) -> dict:
    return next(d for d in core.status["dispatchers"] if d["name"] == name)


def test_supervisor_pauses_and_resumes_a_dispatcher_and_the_bus_hears_it(supervisor, core, bus,
                                                                         control_server):
    heard: list = []
    bus.subscribe(heard.append, (DispatcherStateChanged,))
    paused = supervisor.post("/api/dispatchers/anna/pause", json={"paused": True})
    assert paused.status_code == 200 and paused.json == {"ok": True, "result": "paused"}
    assert _state(core, "anna")["state"] == "paused"
    assert supervisor.get("/api/status").json["dispatchers"][0]["state"] == "paused"
    resumed = supervisor.post("/api/dispatchers/anna/pause", json={"paused": False})
    assert resumed.json["result"] == "available"
    assert bus.wait_idle(2.0)
    assert [(e.dispatcher, e.state) for e in heard] == [("anna", "paused"), ("anna", "available")]


def test_pausing_someone_on_a_call_is_pending_until_the_call_ends(supervisor, core,
                                                                 control_server):
    response = supervisor.post("/api/dispatchers/boris/pause", json={})  # paused defaults to true
    assert response.status_code == 200
    boris = supervisor.get("/api/status").json["dispatchers"][1]
    assert boris == {"name": "boris", "state": "busy", "pause_pending": True}


def test_a_dispatcher_may_pause_only_themselves(signed_in, token_client, core, control_server):
    anna = signed_in("anna", "dispatcher", dispatcher="anna")
    assert anna.post("/api/dispatchers/anna/pause", json={"paused": True}).status_code == 200
    other = anna.post("/api/dispatchers/boris/pause", json={"paused": True})
    assert other.status_code == 403 and other.json["error"] == "forbidden"
    tech = signed_in("boris", "technician")  # the right name is not enough: the role counts
    assert tech.post("/api/dispatchers/boris/pause", json={}).status_code == 403
    client, headers = token_client("dispatcher")  # a token is nobody in particular
    assert client.post("/api/dispatchers/anna/pause", json={},
                       headers=headers).status_code == 403
    assert core.actions == [("pause", {"dispatcher": "anna", "paused": True, "reason": ""})]
    assert _state(core, "boris") == {"name": "boris", "state": "busy", "pause_pending": False}


def test_pause_requests_are_checked(supervisor, core, control_server):
    assert supervisor.post("/api/dispatchers/anna/pause",
                           json={"paused": "yes"}).status_code == 400
    forged = supervisor.post("/api/dispatchers/anna/pause", data={"paused": "true"})
    assert forged.status_code == 415  # a cross-site form cannot pause anyone
    ghost = supervisor.post("/api/dispatchers/ghost/pause", json={"paused": True})
    assert ghost.status_code == 409 and "ghost" in ghost.json["message"]
    assert core.actions == []
    control_server.stop()
    down = supervisor.post("/api/dispatchers/anna/pause", json={"paused": True})
    assert down.status_code == 503 and down.json["error"] == "core_down"


def test_live_page_knows_whose_pause_buttons_to_show(signed_in, core, control_server):
    boss = _settings(signed_in("sam", "supervisor"))
    assert boss["canPause"] == "*" and boss["canSwitchDemo"] is True
    assert boss["pauseUrl"] == "/api/dispatchers/__name__/pause"
    anna = _settings(signed_in("anna", "dispatcher", dispatcher="anna"))
    assert anna["canPause"] == ["anna"] and anna["canSwitchDemo"] is False
    tech = _settings(signed_in("tina", "technician"))
    assert tech["canPause"] == [] and tech["canSwitchDemo"] is False
    # what the page draws from: menu callers, pending pauses, capacity, demo switch
    status = anna["status"]
    assert status["in_menu"] == [{"call_id": "c9", "caller": "+989351112233", "menu": "main",
                                  "caller_shown": "0935 111 2233"}]  # as the office writes it
    assert status["capacity"] == {"total": 8, "used": 1}
    assert "pause_pending" in status["dispatchers"][0]
    for key in ("nobody_in_menu", "capacity", "pause_pending", "cancel_pause", "switch_on"):
        assert anna["strings"][key]


def test_demo_switch_turns_generated_callers_off_and_on(supervisor, core, control_server):
    core.status["demo"] = {"callers": True}
    off = supervisor.post("/api/actions/callers", json={"enabled": False})
    assert off.json == {"ok": True, "result": {"callers": False}}
    assert supervisor.get("/api/status").json["demo"] == {"callers": False}
    assert supervisor.post("/api/actions/callers", json={"enabled": True}).status_code == 200
    assert core.status["demo"] == {"callers": True}
