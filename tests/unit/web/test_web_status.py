"""Live state comes from the core over the control socket; a dead core is obvious."""

from __future__ import annotations

import json
import re


def _banner_hidden(html: str) -> bool:
    tag = re.search(r'<div id="core-banner"[^>]*>', html).group(0)
    return " hidden" in tag


def _embedded_settings(html: str) -> dict:
    raw = re.search(r'<script id="live-settings" type="application/json">(.*?)</script>',
                    html, re.S).group(1)
    return json.loads(raw)


def _as_core_sent(status: dict) -> dict:
    """The status without what the web adds for the reader (numbers as the office writes
    them, alarms' English text next to the translated one)."""
    def plain(entry):
        return {k: v for k, v in entry.items() if k != "caller_shown"}
    return {**status, "in_menu": [plain(c) for c in status["in_menu"]],
            "queues": [{**q, "waiting": [plain(w) for w in q["waiting"]]}
                       for q in status["queues"]],
            "alarms": [{k: v for k, v in a.items() if k != "english"} for a in status["alarms"]]}


def test_api_status_is_what_the_core_reports(supervisor, core, control_server):
    first = supervisor.get("/api/status").json
    assert _as_core_sent(first) == core.status
    assert first["in_menu"][0]["caller_shown"] == "0935 111 2233"
    core.status["dispatchers"][0]["state"] = "ringing"
    core.status["queues"][0]["waiting"] = [{"caller": "+989121234567",
                                            "since": "2026-11-26T23:40:01.123456Z"}]
    again = supervisor.get("/api/status")
    assert _as_core_sent(again.json) == core.status
    assert again.json["queues"][0]["waiting"][0]["caller_shown"] == "0912 123 4567"
    assert again.headers["Cache-Control"] == "no-store"


def test_live_page_carries_the_status_and_no_banner_while_the_core_runs(supervisor, core,
                                                                        control_server):
    html = supervisor.get("/").get_data(as_text=True)
    assert _banner_hidden(html)
    settings = _embedded_settings(html)
    assert _as_core_sent(settings["status"]) == core.status
    assert settings["coreUp"] is True
    assert "DispatcherStateChanged" in settings["events"] and "CoreDown" in settings["events"]
    assert settings["strings"]["st_ringing"] == "Ringing"


def test_core_down_gives_503_but_pages_keep_serving(supervisor, control_server):
    control_server.stop()
    response = supervisor.get("/api/status")
    assert response.status_code == 503
    assert response.json["error"] == "core_down"
    assert response.json["message"]
    page = supervisor.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not _banner_hidden(html)
    assert "The call system is not running" in html
    assert supervisor.get("/calls").status_code == 200
    assert supervisor.get("/api/calls").status_code == 200  # the log is read from SQLite
    action = supervisor.post("/api/actions/pause", json={"dispatcher": "anna"})
    assert action.status_code == 503 and action.json["error"] == "core_down"


def test_action_errors_map_to_status_codes(supervisor, control_server):
    cases = [("nope", {}, 404, "unknown_action"), ("pause", {}, 400, "bad_args"),
             ("pause", {"dispatcher": "ghost"}, 409, "action_failed")]
    for name, args, status, code in cases:
        response = supervisor.post(f"/api/actions/{name}", json=args)
        assert response.status_code == status, name
        assert response.json["error"] == code
        assert response.json["message"]
    not_an_object = supervisor.post("/api/actions/pause", json=["anna"])
    assert not_an_object.status_code == 400
