"""Caller numbers: E.164 where the country allows it, withheld numbers named so,
extensions and short codes kept as dialled."""

import pytest

from appliance.telephony.numbers import WITHHELD, to_e164, user_of_uri

E164 = [
    # raw, office country, stored
    ("09121234567", "IR", "+989121234567"),  # Iranian mobile, national form
    ("+98 912 123 4567", "IR", "+989121234567"),
    ("00989121234567", "IR", "+989121234567"),  # international prefix
    ("0098 912 123 4567", "IR", "+989121234567"),
    ("989121234567", "IR", "+989121234567"),  # country code without '+' (some modems)
    ("9121234567", "IR", "+989121234567"),  # no trunk prefix
    ("02112345678", "IR", "+982112345678"),  # Tehran landline
    ("021-1234-5678", "IR", "+982112345678"),
    ("89161234567", "RU", "+79161234567"),  # Russian mobile, national form with 8
    ("+7 (916) 123-45-67", "RU", "+79161234567"),
    ("8 (495) 123-45-67", "RU", "+74951234567"),  # Moscow landline
    ("79161234567", "RU", "+79161234567"),
    ("+79161234567", "IR", "+79161234567"),  # a foreign caller at an Iranian office
    ("+989121234567", "RU", "+989121234567"),
]


@pytest.mark.parametrize("raw, country, stored", E164)
def test_numbers_are_stored_in_e164(raw, country, stored):
    assert to_e164(raw, country) == stored


@pytest.mark.parametrize("raw", ["", "  ", "anonymous", "Anonymous", "unknown", "RESTRICTED",
                                 "private", "withheld"])
def test_hidden_numbers_become_withheld(raw):
    assert to_e164(raw, "IR") == WITHHELD == "withheld"


@pytest.mark.parametrize("raw, country, kept", [
    ("101", "IR", "101"),  # a dispatcher's extension
    ("112", "RU", "112"),  # an emergency short code
    ("*141#", "IR", "*141#"),  # a USSD-like string
    ("alice", "IR", "alice"),  # a SIP user name
    (" 102 ", "IR", "102"),
])
def test_extensions_short_codes_and_names_are_kept_as_dialled(raw, country, kept):
    assert to_e164(raw, country) == kept


URIS = [
    ('"Bob" <sip:+989121234567@trunk.example;tag=a1b2>', "+989121234567"),
    ('"Али Петров" <sip:89161234567@10.0.0.1>', "89161234567"),
    ('"علی" <sip:09121234567@gw.local>;tag=77', "09121234567"),
    ("Bob <sips:09121234567@h.example>", "09121234567"),
    ("<sip:anonymous@anonymous.invalid>;tag=1", "anonymous"),
    ("sip:101@192.168.1.21", "101"),
    ("sip:+79161234567@10.0.0.1:5060;user=phone", "+79161234567"),
    ("  <sip:102@127.0.0.1:5072>  ", "102"),
]


@pytest.mark.parametrize("uri, user", URIS)
def test_the_user_part_of_a_sip_uri(uri, user):
    assert user_of_uri(uri) == user


@pytest.mark.parametrize("uri, country, stored", [
    ('"Bob" <sip:+989121234567@trunk.example;tag=a1b2>', "IR", "+989121234567"),
    ('"Мама" <sip:8-916-123-45-67@gw>', "RU", "+79161234567"),
    ('"Anonymous" <sip:anonymous@anonymous.invalid>', "IR", WITHHELD),
    ("<sip:101@192.168.1.21>", "IR", "101"),
])
def test_a_sip_caller_is_stored_like_a_gsm_caller(uri, country, stored):
    assert to_e164(user_of_uri(uri), country) == stored


def test_an_unparsable_uri_is_kept_whole():
    assert user_of_uri("  not a uri  ") == "not a uri"
