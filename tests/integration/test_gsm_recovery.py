"""Each rung of the recovery ladder, triggered by the simulator's fault modes with a call up."""

import time

import pytest

from appliance.events import (
    AlarmCleared, AlarmRaised, CallAnswered, CallHungUp, CallOffered, DtmfReceived, LegAnswered,
    LegEnded, LineStateChanged, SmsReceived,
)
from appliance.telephony.gsm.sim.harness import wait_until


@pytest.fixture
def rig(sim_rig):
    return sim_rig


def answered_call(sim, line, log):
    count = len(log.of(CallOffered)) + 1
    sim.inject_call("+989121234567")
    offered = log.wait_for(CallOffered, count=count)
    line.answer(offered.call_id)
    log.wait_for(CallAnswered, lambda e: e.call_id == offered.call_id)
    wait_until(lambda: line.media(offered.call_id))
    return offered.call_id


def recovered(sim, line, log, timeout=5.0):
    """Down, then up again, and a new call goes through."""
    log.wait_for(LineStateChanged, lambda e: e.state == "down", timeout=timeout)
    wait_until(lambda: line.status()["state"] == "up" and line.ready, timeout)
    call_id = answered_call(sim, line, log)
    sim.remote_hangup()
    log.wait_for(CallHungUp, lambda e: e.call_id == call_id)


def test_modem_reboot_announced_reopen_and_reinit(rig):
    sim, line, log, store = rig("quectel")
    call_id = answered_call(sim, line, log)
    sim.reboot()  # RDY, +CPIN: READY, ... unprompted
    hung = log.wait_for(CallHungUp)
    assert hung.call_id == call_id and "restarted" in hung.reason
    recovered(sim, line, log)
    assert sim.power_cycles == 0 and "AT+CFUN=1,1" not in sim.commands


@pytest.mark.parametrize("profile,reset", [("quectel", "AT+CFUN=1,1"), ("simcom", "AT+CRESET"),
                                           ("huawei", "AT+CFUN=1,1"), ("sim800", "AT+CFUN=1,1")])
def test_wedged_modem_is_reset_by_command(rig, profile, reset):
    sim, line, log, store = rig(profile)
    call_id = answered_call(sim, line, log)
    sim.wedge()  # ERROR to everything but the reset command
    hung = log.wait_for(CallHungUp, timeout=3)
    assert hung.call_id == call_id and hung.code == 41
    recovered(sim, line, log)
    assert reset in sim.commands and sim.power_cycles == 0


def test_port_that_recovers_on_reopen(rig):
    sim, line, log, store = rig("sim800")
    answered_call(sim, line, log)
    sim.hang(until="reopen")
    assert "AT ping" in log.wait_for(CallHungUp, timeout=3).reason
    recovered(sim, line, log)
    assert "AT+CFUN=1,1" not in sim.commands and sim.power_cycles == 0


def test_hung_modem_is_power_cycled(rig):
    sim, line, log, store = rig("quectel")
    answered_call(sim, line, log)
    sim.hang()  # silent until power is cut
    log.wait_for(CallHungUp, timeout=3)
    recovered(sim, line, log)
    assert sim.power_cycles == 1


def test_pulled_usb_cable_mid_call(rig):
    sim, line, log, store = rig("huawei")
    sim.inject_sms("+79161234567", "до сбоя")
    log.wait_for(SmsReceived)
    call_id = answered_call(sim, line, log)
    sim.vanish()  # the reader gets an I/O error; the by-id link disappears
    hung = log.wait_for(CallHungUp)
    assert hung.call_id == call_id and "port lost" in hung.reason
    recovered(sim, line, log)
    assert sim.power_cycles == 1
    assert [m["text"] for m in store.list_messages()] == ["до сбоя"]  # no record lost


def test_outbound_leg_ends_with_cause_when_the_modem_dies(rig):
    sim, line, log, store = rig("simcom")
    line.originate("leg-9", "+79160000009")
    log.wait_for(LegAnswered)
    sim.vanish()
    ended = log.wait_for(LegEnded)
    assert (ended.leg_id, ended.code) == ("leg-9", 41) and "port lost" in ended.reason


def test_dead_modem_raises_the_alarm_then_clears_it_when_replugged(rig):
    sim, line, log, store = rig("quectel")
    call_id = answered_call(sim, line, log)
    sim.dead = True
    sim.vanish()
    assert log.wait_for(CallHungUp).call_id == call_id
    alarm = log.wait_for(AlarmRaised, timeout=5)
    assert alarm.source == f"gsm:{sim.name}"
    assert line.status()["state"] == "alarm" and line.status()["alarm"]
    sim.dead = False
    sim.power_cycle()  # someone replugs it; the slow retry finds it
    log.wait_for(AlarmCleared, timeout=5)
    wait_until(lambda: line.status()["state"] == "up")


def test_without_power_hook_the_alarm_follows_the_reset(rig):
    sim, line, log, store = rig("quectel", power=False)
    sim.hang()
    log.wait_for(AlarmRaised, timeout=5)
    assert sim.power_cycles == 0


def test_garbage_on_the_line_is_survived_without_recovery(rig):
    sim, line, log, store = rig("quectel")
    call_id = answered_call(sim, line, log)
    for _ in range(5):
        sim.garbage(200)
    sim.press("7")
    assert log.wait_for(DtmfReceived).digit == "7"
    time.sleep(0.5)  # a few pings
    assert not log.of(CallHungUp) and line.status()["state"] == "busy"
    assert line.media(call_id) is not None
