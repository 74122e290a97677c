"""Parsers against real transcripts (tests/fixtures/modems/*.toml)."""

import pytest

from appliance.telephony.gsm import parsers, profiles
from appliance.telephony.gsm.linurcs import call_input
from gsm_fixtures import cases, load


@pytest.mark.parametrize("case", cases("responses", "creg"))
def test_registration_both_shapes(case):
    reg = parsers.parse_creg(case["line"])
    assert (reg.stat, reg.name, reg.from_urc) == (case["stat"], case["name"], case["urc"])
    if "lac" in case:
        assert reg.lac == case["lac"]


@pytest.mark.parametrize("case", cases("responses", "csq"))
def test_signal_in_dbm(case):
    assert parsers.parse_csq(case["line"]) == case.get("dbm")


@pytest.mark.parametrize("case", cases("responses", "cops"))
def test_operator(case):
    assert parsers.parse_cops(case["line"]) == case["operator"]


@pytest.mark.parametrize("case", cases("responses", "cpin"))
def test_sim_state(case):
    assert parsers.parse_cpin(case["line"]) == case["state"]


@pytest.mark.parametrize("case", cases("responses", "final"))
def test_final_results_numeric_and_verbose(case):
    result = parsers.parse_final(case["line"])
    if "ok" not in case:
        assert result is None
        return
    ok, error = result
    assert ok is case["ok"]
    if not ok:
        assert error.kind == case["kind"]
        assert error.number == case.get("number", error.number)


@pytest.mark.parametrize("case", cases("responses", "cmti"))
def test_new_message_index(case):
    assert parsers.parse_cmti(case["line"]) == (case["mem"], case["index"])


def _match(profile_name: str, line: str):
    profile = profiles.get(profile_name)
    for pattern, kind in profile.compiled_call_urcs():
        m = pattern.match(line)
        if m:
            return kind, m
    return None


@pytest.mark.parametrize("case", cases("call_urcs", "urc"))
def test_call_urcs_become_call_inputs(case):
    hit = _match(case["profile"], case["line"])
    assert hit is not None, f"{case['profile']} does not recognise {case['line']!r}"
    kind, m = hit
    result = call_input(kind, m, case["line"])
    if case["input"] == "ignore":
        assert result is None
        return
    name, data = result
    assert name == case["input"]
    for key, value in case.get("data", {}).items():
        assert data[key] == value, key


def test_every_fixture_cites_a_source():
    for name in ("responses", "call_urcs", "pdus", "ussd", "identity", "framing"):
        for table, entries in load(name).items():
            for entry in entries:
                assert entry.get("source"), f"{name}.{table}: {entry}"


@pytest.mark.parametrize("number,ntype,validity,caller,raw", [
    ("+1234567890", 145, 0, "+1234567890", "+1234567890"),
    ("79161234567", 145, 0, "+79161234567", "79161234567"),  # 145 without the +
    ("09121234567", 129, 0, "+989121234567", "09121234567"),  # national, office in Iran
    ("00989121234567", 129, 0, "+989121234567", "00989121234567"),
    ("", 128, 1, "withheld", ""),
    ("", 129, None, "withheld", ""),
    ("8888", 129, 0, "8888", "8888"),  # a short code stays as it came
])
def test_caller_id_normalised(number, ntype, validity, caller, raw):
    assert parsers.normalize_caller(number, ntype, "IR", validity) == (caller, raw)


def test_clip_fields():
    cid = parsers.parse_clip('+CLIP: "",128,"",0,"",1')
    assert (cid.number, cid.ntype, cid.validity) == ("", 128, 1)


def test_multiline_cusd_joins_lines():
    reply = parsers.parse_cusd(['+CUSD: 0,"line one', 'line two",15'])
    assert (reply.status, reply.text, reply.dcs) == (0, "line one\nline two", 15)
