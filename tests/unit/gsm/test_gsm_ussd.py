"""USSD replies: text, Huawei packed GSM-7 hex, UCS2 (dcs 72 and 17), multi-line."""

import pytest

from appliance.telephony.gsm import parsers, ussd
from gsm_fixtures import load


@pytest.mark.parametrize("case", load("ussd")["reply"], ids=lambda c: c["lines"][0][:30])
def test_replies_decode(case):
    reply = parsers.parse_cusd(case["lines"])
    assert reply.status == case["status"]
    if "text" in case:
        assert ussd.decode_reply(reply.text, reply.dcs, case["mode"]) == case["text"]
    if "raw" in case:
        assert reply.text == case["raw"]


@pytest.mark.parametrize("case", load("ussd")["request"], ids=lambda c: c["command"])
def test_requests_encode(case):
    assert ussd.encode_request(case["code"], case["mode"]) == case["command"]


@pytest.mark.parametrize("dcs,expected", [(15, ("gsm7", False)), (72, ("ucs2", False)),
                                          (17, ("ucs2", True)), (16, ("gsm7", True)),
                                          (68, ("8bit", False)), (0xF4, ("8bit", False))])
def test_data_coding_schemes(dcs, expected):
    assert ussd.alphabet(dcs) == expected
