"""The technician's Tools page over a real control server: each button runs its core
action, refusals are shown, logs come with numbers masked; only technicians and admins."""

from __future__ import annotations

import re

import pytest

from appliance.control import ControlServer, socket_path
from appliance.errors import CallboxError


@pytest.fixture
def tools_core(data_dir, core):
    ran = []

    def record(name, result=None, error=None):
        def action(args):
            ran.append((name, args))
            if error:
                raise CallboxError(error)
            return result
        return action
    actions = {
        "core_info": record("core_info", {"version": "1.2.3", "uptime_s": 3700, "pid": 1,
                                          "started_at": "", "systemd": True}),
        "lamp_test": record("lamp_test", {"lamps": 3}),
        "modem_info": record("modem_info", {"line": "gsm1", "model": "EC25",
                                            "imei": "867698041234567",
                                            "iccid": "89980112345678901234",
                                            "own_number": ""}),
        "modem_power_cycle": record("modem_power_cycle", error="gsm1 has no power switch"),
        "core_restart": record("core_restart", {"restarting": True}),
        "call_back": record("call_back", {"call_id": "cb1"}),
    }
    server = ControlServer(socket_path(data_dir), core.get_status, actions, heartbeat_s=0.5)
    server.start()
    yield ran
    server.stop()


def _csrf(client):
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/tools").get_data(as_text=True)).group(1)


def test_each_tool_runs_its_core_action(signed_in, tools_core, app):
    tech = signed_in("tina", "technician")
    page = tech.get("/tools").get_data(as_text=True)
    assert "1.2.3" in page and "Network" in page
    info = tech.post("/tools/modem_info", data={"csrf": _csrf(tech), "line": "gsm1"})
    html = info.get_data(as_text=True)
    assert info.status_code == 200 and "867698041234567" in html and "89980112345678901234" in html
    assert "not stored on this SIM" in html
    refused = tech.post("/tools/modem_power_cycle", data={"csrf": _csrf(tech), "line": "gsm1"})
    assert refused.status_code == 409 and "no power switch" in refused.get_data(as_text=True)
    assert tech.post("/tools/lamp_test", data={"csrf": _csrf(tech)}).status_code == 200
    call = tech.post("/tools/test-call", data={"csrf": _csrf(tech), "dispatcher": "anna",
                                               "number": "09121234567", "line": "gsm1"})
    assert call.status_code == 200
    names = [name for name, _ in tools_core if name != "core_info"]
    assert names == ["modem_info", "modem_power_cycle", "lamp_test", "call_back"]
    assert dict(tools_core)["call_back"] == {"dispatcher": "anna", "number": "09121234567",
                                             "line": "gsm1"}
    assert {e.action for e in app.extensions["callbox"].audit.search(actor="tina")} >= {
        "tools.modem_info", "tools.lamp_test", "tools.test_call"}
    assert tech.post("/tools/rm_rf", data={"csrf": _csrf(tech)}).status_code == 404


def test_the_log_viewer_masks_customers_numbers(signed_in, data_dir):
    (data_dir / "logs").mkdir()
    (data_dir / "logs" / "core.log").write_text(
        "08:00 INFO sms handed to the core line=gsm1 to=+989121234567\n08:01 INFO core started\n")
    tech = signed_in("tina", "technician")
    html = tech.get("/tools/logs").get_data(as_text=True)
    assert "core started" in html and "+989•••67" in html and "+989121234567" not in html


def test_tools_are_for_technicians_and_admins_only(signed_in, tools_core):
    assert signed_in("sam", "supervisor").get("/tools").status_code == 403
    assert signed_in("dana", "dispatcher").post("/tools/core_restart").status_code in (400, 403)
    assert tools_core == [] or all(n == "core_info" for n, _ in tools_core)
