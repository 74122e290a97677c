"""Log in / log out / pause with a reason from the web, through a real control socket to
a real queue (Acd) on a real event bus; the pause report reads SQLite."""

from __future__ import annotations


import pytest

from appliance.acd.acd import Acd
from appliance.acd.actions import queue_actions
from appliance.acd.pauselog import PauseLog
from appliance.config.model import AcdConfig, DispatcherConfig, QueueConfig
from appliance.control import ControlServer, socket_path
from appliance.store.db import db_path
from appliance.supervision.conversations import LiveConversations
from appliance.supervision.actions import supervision_actions
from appliance.supervision.supervise import Supervision


class NoPhones:
    """CallControl that places nothing (no caller waits in these tests)."""

    def __getattr__(self, name):
        return lambda *a, **k: 0


@pytest.fixture
def queue_core(data_dir, bus):
    acd = Acd([QueueConfig("taxi")], [DispatcherConfig("anna", "101", "sip:101@127.0.0.1"),
                                      DispatcherConfig("boris", "102", "sip:102@127.0.0.1")],
              NoPhones(), lambda k: k, bus, lambda: 0.0,
              settings=AcdConfig(pause_reasons=["lunch", "break"]))
    pauselog = PauseLog(db_path(data_dir))
    pauselog.start()
    bus.subscribe(pauselog.handle)

    on_bus = bus.call

    status = lambda: {"dispatchers": on_bus(lambda: acd.status()["dispatchers"]),  # noqa: E731
                      "queues": [], "lines": [], "lamps": []}
    sup = Supervision(LiveConversations(acd), NoPhones(), NoPhones(), bus, "sip:200@127.0.0.1")
    server = ControlServer(socket_path(data_dir), status,
                           {**queue_actions(acd, on_bus), **supervision_actions(sup, on_bus)},
                           heartbeat_s=0.5)
    bus.subscribe(server.handle_event)
    server.start()
    acd.on_bus = on_bus
    yield acd, pauselog
    server.stop()
    pauselog.stop()


def state(client, name):
    return next(d for d in client.get("/api/status").json["dispatchers"] if d["name"] == name)


def test_supervisor_logs_a_dispatcher_out_and_in(supervisor, queue_core):
    out = supervisor.post("/api/dispatchers/anna/logout", json={})
    assert out.status_code == 200 and out.json == {"ok": True, "result": "offline"}
    assert state(supervisor, "anna")["state"] == "offline"
    back = supervisor.post("/api/dispatchers/anna/login", json={})
    assert back.json["result"] == "available"


def test_a_dispatcher_logs_only_themselves_in_and_out(signed_in, queue_core):
    anna = signed_in("anna", "dispatcher", dispatcher="anna")
    assert anna.post("/api/dispatchers/anna/logout", json={}).status_code == 200
    other = anna.post("/api/dispatchers/boris/logout", json={})
    assert other.status_code == 403 and other.json["error"] == "forbidden"
    assert state(anna, "boris")["state"] == "available"


def test_pause_takes_a_reason_from_the_list_and_the_report_counts_it(supervisor, queue_core,
                                                                     bus):
    acd, pauselog = queue_core
    assert supervisor.get("/api/pause-reasons").json == ["lunch", "break"]
    bad = supervisor.post("/api/dispatchers/anna/pause", json={"paused": True, "reason": "nap"})
    assert bad.status_code == 409 and "unknown pause reason" in bad.json["message"]
    assert state(supervisor, "anna")["state"] == "available"  # nothing changed
    ok = supervisor.post("/api/dispatchers/anna/pause", json={"paused": True, "reason": "lunch"})
    assert ok.json["result"] == "paused"
    assert state(supervisor, "anna")["pause_reason"] == "lunch"
    supervisor.post("/api/dispatchers/anna/pause", json={"paused": False})
    assert bus.wait_idle(2)
    pauselog.flush()
    report = supervisor.get("/api/reports/pauses").json
    assert [(r["dispatcher"], r["reason"], r["pauses"]) for r in report] == [("anna", "lunch", 1)]


def test_offline_dispatchers_cannot_pause_and_unknown_ones_are_named(supervisor, queue_core):
    supervisor.post("/api/dispatchers/anna/logout", json={})
    refused = supervisor.post("/api/dispatchers/anna/pause", json={"paused": True})
    assert refused.status_code == 409 and "offline" in refused.json["message"]
    unknown = supervisor.post("/api/dispatchers/zoe/login", json={})
    assert unknown.status_code == 409 and "zoe" in unknown.json["message"]


def test_the_pause_report_is_for_managers(signed_in, queue_core):
    anna = signed_in("anna", "dispatcher", dispatcher="anna")
    assert anna.get("/api/reports/pauses").status_code == 403


def on_a_call(acd, name="anna") -> str:
    """A caller waits and ``name`` answers (on the bus, as the core would)."""
    def run():
        acd.enqueue("c1", "taxi", "+989121110000")
        leg = next(o.leg_id for o in acd.offers.values() if o.agent == name)
        acd.leg_answered(leg)
    acd.on_bus(run)
    return "c1"


def test_a_supervisor_listens_in_and_a_dispatcher_may_not(supervisor, signed_in, queue_core):
    acd, _ = queue_core
    call_id = on_a_call(acd)
    ok = supervisor.post(f"/api/calls/{call_id}/supervise", json={"mode": "whisper"})
    assert ok.status_code == 200 and ok.json["result"] == {"call_id": "c1", "mode": "whisper",
                                                           "state": "ringing"}
    assert supervisor.post(f"/api/calls/{call_id}/supervise",
                           json={"mode": "shout"}).status_code == 400
    missing = supervisor.post("/api/calls/nope/supervise", json={"mode": "listen"})
    assert missing.status_code == 409 and "nope" in missing.json["message"]
    anna = signed_in("anna", "dispatcher", dispatcher="anna")
    assert anna.post(f"/api/calls/{call_id}/supervise", json={}).status_code == 403


def test_a_dispatcher_escalates_their_own_call_only(signed_in, queue_core):
    acd, _ = queue_core
    on_a_call(acd)
    anna = signed_in("anna", "dispatcher", dispatcher="anna")
    ok = anna.post("/api/dispatchers/anna/escalate", json={})
    assert ok.status_code == 200 and ok.json["result"]["mode"] == "barge"
    assert anna.post("/api/dispatchers/boris/escalate", json={}).status_code == 403
