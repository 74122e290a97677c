"""A transfer in the call record: the dispatcher who took the call over, and the
transfer as a step of the path (``transfer:<mode>:<from>><to>[:failed]``)."""

from appliance.events import (
    CallBridged, CallEnded, CallOffered, CallQueued, CallTransferred, EventBus, TransferFailed,
)
from appliance.store.calllog import CallLog
from appliance.store.db import db_path, open_db


def test_transfers_are_written_to_the_record(tmp_path):
    log = CallLog(db_path(tmp_path), batch_s=0.05)
    bus = EventBus()
    bus.subscribe(log.handle)
    log.start()
    bus.start()
    try:
        for event in (
            CallOffered(call_id="c1", line="sip", kind="sip", caller="+989121234567",
                        caller_raw="09121234567"),
            CallQueued(call_id="c1", queue="taxi", caller="+989121234567"),
            CallBridged(call_id="c1", dispatcher="ali", queue="taxi", wait_s=2.0),
            TransferFailed(call_id="c1", from_dispatcher="ali", to_dispatcher="reza",
                           mode="blind", reason="486 Busy Here", returned_to="ali"),
            CallTransferred(call_id="c1", from_dispatcher="ali", to_dispatcher="sara",
                            mode="attended"),
            CallEnded(call_id="c1", disposition="answered", hangup_cause="dispatcher hung up",
                      ended_by="dispatcher"),
        ):
            bus.publish(event)
        assert bus.wait_idle(5) and log.flush(5)
    finally:
        bus.stop()
        log.stop()
    conn = open_db(db_path(tmp_path), readonly=True)
    row = conn.execute("SELECT dispatcher, ivr_path, wait_s, disposition FROM calls").fetchone()
    conn.close()
    assert tuple(row) == ("sara", "transfer:blind:ali>reza:failed,transfer:attended:ali>sara",
                          2.0, "answered")
