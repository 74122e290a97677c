"""Health alarms reach the bus (and so the status lamp and the page) and clear again."""

from appliance import events as ev
from appliance.system.health_watch import HealthWatch


class FakeProbe:
    def __init__(self):
        self.alarms: list[str] = []

    def read(self):
        return {"alarms": list(self.alarms)}


def test_alarms_are_raised_once_and_cleared():
    probe, seen = FakeProbe(), []
    watch = HealthWatch(probe, seen.append)
    watch.check()
    assert seen == []
    probe.alarms = ["undervoltage_now"]
    watch.check()
    watch.check()
    assert [(type(e), e.source) for e in seen] == [(ev.AlarmRaised, "health.undervoltage_now")]
    assert "under-voltage" in seen[0].message
    probe.alarms = []
    watch.check()
    assert [(type(e), e.source) for e in seen[1:]] == [(ev.AlarmCleared, "health.undervoltage_now")]


def test_a_failing_probe_is_logged_not_fatal(caplog):
    class Broken:
        def read(self):
            raise OSError("vcgencmd vanished")
    seen = []
    HealthWatch(Broken(), seen.append).check()
    assert seen == [] and "health probe failed" in caplog.text
