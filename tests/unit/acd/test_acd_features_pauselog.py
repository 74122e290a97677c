"""Feature codes (*1 / *2 / *3 from a dispatcher's phone) and the pause log in SQLite."""

import sqlite3
from datetime import datetime, timedelta, timezone

from appliance import events as ev
from appliance.acd.features import FeatureCodes, plain_uri
from appliance.acd.pauselog import PauseLog, pause_totals
from appliance.store.db import SCHEMA, migrate, open_db
from calllogic_fakes import make_acd, states, wavs


def dial(bus, features, code, user="101", source="127.0.0.1", call_id="f1"):
    bus.publish(ev.CallOffered(call_id=call_id, line="sip", kind="sip", caller=user,
                               caller_raw=user, callee=code, source=source))
    return features.take(call_id)


def test_feature_codes_change_the_dialling_dispatchers_state(bus, control):
    acd = make_acd(bus, control)
    features = FeatureCodes(acd, control, lambda k: f"/prompts/{k}.wav", bus)
    bus.subscribe(features.handle)
    assert dial(bus, features, "*2") is True
    assert states(acd)["ali"] == "offline"
    assert control.last_play("f1").files == wavs("agent_logged_out")
    bus.publish(ev.PromptFinished(call_id="f1", token=control.last_play("f1").token))
    assert ("f1", 0) in control.hangups()
    bus.publish(ev.CallHungUp(call_id="f1", code=200, reason="BYE"))
    assert bus.of(ev.CallEnded)[-1].call_id == "f1"
    dial(bus, features, "*1", call_id="f2")
    assert states(acd)["ali"] == "available"
    dial(bus, features, "*3", call_id="f3")
    assert states(acd)["ali"] == "paused"
    assert control.last_play("f3").files == wavs("agent_paused")
    dial(bus, features, "*3", call_id="f4")
    assert states(acd)["ali"] == "available"
    assert control.last_play("f4").files == wavs("agent_resumed")


def test_only_a_dispatchers_own_phone_uses_feature_codes(bus, control):
    acd = make_acd(bus, control)
    features = FeatureCodes(acd, control, lambda k: k, bus)
    bus.subscribe(features.handle)
    assert dial(bus, features, "*2", user="555") is False  # not a dispatcher: goes to the IVR
    assert dial(bus, features, "*2", source="10.9.9.9", call_id="f2") is False  # wrong host
    assert dial(bus, features, "123", call_id="f3") is False
    assert set(states(acd).values()) == {"available"}


def test_plain_uri_strips_names_and_tags():
    assert plain_uri('"Ali" <sip:101@10.0.0.5:5060>;tag=x') == "sip:101@10.0.0.5:5060"
    assert plain_uri("sip:101@10.0.0.5;transport=udp") == "sip:101@10.0.0.5"


def test_pause_time_by_reason_is_recorded(tmp_path):
    path = tmp_path / "callbox.sqlite3"
    log = PauseLog(path)
    log.start()
    t0 = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
    for at, state, previous, reason in [(t0, "paused", "available", "lunch"),
                                        (t0 + timedelta(minutes=30), "available", "paused", ""),
                                        (t0 + timedelta(hours=1), "paused", "available", "auto"),
                                        (t0 + timedelta(hours=1, seconds=90), "offline", "paused",
                                         "")]:
        log.handle(ev.DispatcherStateChanged(dispatcher="ali", state=state, previous=previous,
                                             reason=reason, at=at))
    log.flush()
    log.stop()
    conn = open_db(path, readonly=True)
    assert pause_totals(conn) == [
        {"dispatcher": "ali", "reason": "auto", "pauses": 1, "seconds": 90.0},
        {"dispatcher": "ali", "reason": "lunch", "pauses": 1, "seconds": 1800.0}]
    ended = [r["ended_by"] for r in conn.execute("SELECT ended_by FROM pauses ORDER BY id")]
    assert ended == ["resume", "logout"]


def test_a_pause_open_at_a_power_cut_is_closed_at_the_next_start(tmp_path):
    path = tmp_path / "callbox.sqlite3"
    log = PauseLog(path)
    log.start()
    log.handle(ev.DispatcherStateChanged(dispatcher="ali", state="paused", previous="available",
                                         reason="break"))
    log.flush()
    log.stop()
    again = PauseLog(path)
    again.start()
    again.stop()
    conn = open_db(path, readonly=True)
    row = conn.execute("SELECT ended_at, ended_by, seconds FROM pauses").fetchone()
    assert row["ended_at"] and row["ended_by"] == "restart" and row["seconds"] is None


def test_the_pauses_table_migrates_from_every_earlier_version(tmp_path):
    pause_step = next(i for i, step in enumerate(SCHEMA) if any("pauses" in s for s in step))
    for start in range(pause_step + 1):
        conn = sqlite3.connect(tmp_path / f"v{start}.sqlite3", isolation_level=None)
        migrate(conn, SCHEMA[:start])
        migrate(conn)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(SCHEMA)
        conn.execute("INSERT INTO pauses (dispatcher, started_at) VALUES ('ali', 'x')")
