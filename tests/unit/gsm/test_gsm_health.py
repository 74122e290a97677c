"""Line health: one state name, LineStateChanged only when it changes."""

from appliance.events import LineStateChanged
from appliance.telephony.gsm.health import Health, HealthTracker


def test_state_priorities():
    up = Health(port="up", sim="ready", registration="home", signal_dbm=-70)
    assert up.state == "up"
    assert Health().state == "down"
    assert Health(port="up", sim="absent").state == "no-sim"
    assert Health(port="up", sim="ready", registration="searching", signal_dbm=-90).state \
        == "unregistered"
    assert Health(port="up", sim="ready", registration="searching").state == "no-signal"
    assert Health(port="up", sim="ready", registration="home", signal_dbm=-70,
                  busy=True).state == "busy"
    assert Health(port="up", alarm="PIN rejected", busy=True).state == "alarm"


def test_publishes_on_change_only_and_reports_status():
    events = []
    h = HealthTracker("gsm1", events.append)
    h.update(port="up", sim="ready", registration="home", signal_dbm=-71, operator="MCI")
    h.update(signal_dbm=-73)
    h.update(busy=True)
    assert [e.state for e in events if isinstance(e, LineStateChanged)] == ["up", "busy"]
    assert events[0].detail == "MCI, -71 dBm" and events[0].kind == "gsm"
    assert h.status("gsm1") == {"name": "gsm1", "kind": "gsm", "state": "busy", "sim": "ready",
                                "registration": "home", "signal_dbm": -73, "operator": "MCI",
                                "balance": "", "alarm": "", "waiting": ""}
