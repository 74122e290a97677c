"""The recovery ladder and the power-cycle hooks (gpiozero MockFactory, a fake sysfs)."""

import pytest
from gpiozero.pins.mock import MockFactory

from appliance.errors import ConfigError
from appliance.telephony.gsm.power import GpioPowerHook, UsbPowerHook, make_power_hook
from appliance.telephony.gsm.recovery import Ladder, Step, recover


class Ops:
    def __init__(self, works_at: str | None):
        self.works_at = works_at
        self.calls = []
        self.step = "reopen"

    def reopen_and_init(self):
        self.calls.append("init")
        return self.step == self.works_at

    def send_reset(self):
        self.calls.append("reset")
        self.step = "reset"
        return True

    def power_cycle(self):
        self.calls.append("power")
        self.step = "power"
        return True

    def wait_for_port(self):
        return True

    def raise_alarm(self, message):
        self.calls.append("alarm")


@pytest.mark.parametrize("works_at,calls", [
    ("reopen", ["init"]),
    ("reset", ["init", "reset", "init"]),
    ("power", ["init", "reset", "init", "power", "init"]),
    (None, ["init", "reset", "init", "power", "init", "alarm"]),
])
def test_each_failure_climbs_one_rung(works_at, calls):
    ops, ladder = Ops(works_at), Ladder(has_power_hook=True)
    assert recover(ladder, ops, "ping failed") is (works_at is not None)
    assert ops.calls == calls
    assert ladder.alarmed is (works_at is None)


def test_without_a_power_hook_the_alarm_follows_the_reset():
    ops, ladder = Ops(None), Ladder(has_power_hook=False)
    recover(ladder, ops, "x")
    assert ops.calls == ["init", "reset", "init", "alarm"]


def test_success_goes_back_to_the_bottom():
    ladder = Ladder(True)
    assert [ladder.next(), ladder.next()] == [Step.REOPEN, Step.RESET]
    ladder.succeeded()
    assert ladder.next() is Step.REOPEN


def test_gpio_relay_is_switched_off_then_on():
    factory = MockFactory()
    sleeps = []
    hook = GpioPowerHook(5, pin_factory=factory, sleep=sleeps.append)
    pin = factory.pin(5)
    assert pin.state is True  # modem powered
    pin.clear_states()
    hook.cycle()
    pin.assert_states([True, False, True])
    assert sleeps == [3.0]
    hook.close()


def test_usb_port_is_deauthorised_then_authorised(tmp_path):
    dev = tmp_path / "1-1.2"
    dev.mkdir()
    (dev / "authorized").write_text("1")
    writes = []
    hook = UsbPowerHook("1-1.2", sysfs=tmp_path, sleep=lambda s: writes.append(
        (dev / "authorized").read_text()))
    hook.cycle()
    assert writes == ["0"] and (dev / "authorized").read_text() == "1"


@pytest.mark.parametrize("spec", ["gpio:x", "usb:", "relay:5", "usb:../../etc"])
def test_bad_hook_specs_name_the_key(spec):
    with pytest.raises(ConfigError) as err:
        make_power_hook(spec)
    assert err.value.key == "gsm.power_hook"


def test_empty_spec_means_no_hook():
    assert make_power_hook("") is None
