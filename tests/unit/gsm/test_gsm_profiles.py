"""Vendor profiles are data; auto-detection picks one from ATI / AT+CGMM."""

import pytest

from appliance.errors import ConfigError
from appliance.telephony.gsm import parsers, profiles
from gsm_fixtures import load


@pytest.mark.parametrize("case", load("identity")["modem"], ids=lambda c: c["lines"][0])
def test_auto_detection(case):
    found = profiles.detect(parsers.identity(case["lines"] + ["OK"]))
    assert (found.name if found else "") == case["profile"]


def test_unknown_profile_name_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError) as err:
        profiles.get("nokia")
    assert err.value.key == "gsm.profile"


@pytest.mark.parametrize("name", sorted(profiles.PROFILES))
def test_every_profile_compiles_and_knows_ring_and_hangup(name):
    p = profiles.get(name)
    kinds = {kind for _, kind in p.compiled_call_urcs()}
    assert {"ring", "clip"} <= kinds
    assert p.hangup in ("ATH", "AT+CHUP")
    assert p.reset.startswith("AT+C")


def test_vendor_specifics_from_the_issue():
    assert profiles.QUECTEL.audio_on == ("AT+QPCMV=1,0",)
    assert profiles.SIMCOM.audio_on == ("AT+CPCMREG=1",) and profiles.SIMCOM.reset == "AT+CRESET"
    assert profiles.HUAWEI.audio_on == ("AT^DDSETEX=2",) and profiles.HUAWEI.ussd == "packed-hex"
    assert "AT+DDET=1" in profiles.SIM800.init and profiles.SIM800.audio == "sound-card"
