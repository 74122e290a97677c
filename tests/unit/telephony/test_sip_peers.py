"""Trunks, phones and the LAN become the guard's allow-list; requests are read for it."""

import ipaddress

import pytest

from appliance.config.model import SipTrunk
from appliance.telephony.sip.admission import socket_call_rate
from appliance.telephony.sip.peers import build_policy, lan_networks, registrar_uri, uri_host
from appliance.telephony.sip.prefilter import parse_request


@pytest.mark.parametrize("uri, host", [
    ("sip:trunk.example.net", "trunk.example.net"),
    ("sip:203.0.113.5:5070", "203.0.113.5"),
    ("sips:user@203.0.113.5;transport=tls", "203.0.113.5"),
    ("203.0.113.5", "203.0.113.5"),
    ("sip:101@[2001:db8::1]:5060", "2001:db8::1"),
    ("<sip:101@192.168.1.21>", "192.168.1.21"),
])
def test_uri_host(uri, host):
    assert uri_host(uri) == host


def test_registrar_uri_is_not_doubled():
    assert registrar_uri("sip:203.0.113.5") == "sip:203.0.113.5"
    assert registrar_uri("203.0.113.5:5070") == "sip:203.0.113.5:5070"


def test_trunk_written_as_sip_uri_is_allowed_by_its_address():
    # The old parser split "sip:host" at ":" and allowed the host "sip": the trunk got 403.
    policy = build_policy(listen_host="127.0.0.1", allowed_peers=["10.0.0.0/8"],
                          trunks=[SipTrunk(name="isp", registrar="sip:203.0.113.5")], phones={})
    assert policy.trunks == frozenset({"203.0.113.5"})
    assert policy.trunk_names == {"203.0.113.5": "isp"}


def test_default_allow_list_is_the_lan_and_loopback():
    policy = build_policy(listen_host="0.0.0.0", allowed_peers=[], trunks=[],
                          phones={"101": "sip:101@127.0.0.1:5070"})
    assert ipaddress.ip_network("127.0.0.0/8") in policy.allowed
    assert all(net in policy.allowed for net in lan_networks("0.0.0.0"))
    assert policy.phones == {"101": "127.0.0.1"}


def test_explicit_allow_list_replaces_the_default():
    policy = build_policy(listen_host="0.0.0.0", allowed_peers=["127.0.0.1"], trunks=[], phones={})
    assert policy.allowed == (ipaddress.ip_network("127.0.0.1/32"),)


def test_socket_budget_rate_keeps_the_stock_wheel_under_its_64_keys():
    rate = socket_call_rate(4)
    # a burst of `rate` calls plus a second's worth, each holding 2 keys for 0.5 s, + 4 live calls
    assert 2 * (rate + rate / 2) + 2 * 4 + 8 <= 64
    assert socket_call_rate(256) >= 60  # the project's build keeps up with 60 calls/s


INVITE = ("INVITE sip:callbox@127.0.0.1 SIP/2.0\r\n"
          "Via: SIP/2.0/UDP 127.0.0.2:5061;branch=z9hG4bK-1\r\n"
          "f: \"Scan\" <sip:100@127.0.0.2>;tag=abc\r\n"
          "To: <sip:callbox@127.0.0.1>\r\n"
          "User-Agent: friendly-scanner\r\n"
          "Content-Length: 0\r\n\r\n")


def test_parse_request_reads_what_the_guard_needs():
    req = parse_request(INVITE, "127.0.0.2")
    assert (req.method, req.from_user, req.user_agent, req.to_tag, req.via_maddr) == \
        ("INVITE", "100", "friendly-scanner", False, False)


def test_parse_request_sees_to_tag_and_maddr():
    text = INVITE.replace("To: <sip:callbox@127.0.0.1>", "t: <sip:callbox@127.0.0.1>;tag=9")
    text = text.replace("branch=z9hG4bK-1", "branch=z9hG4bK-1;maddr=10.9.9.9")
    req = parse_request(text, "127.0.0.2")
    assert req.to_tag and req.via_maddr


@pytest.mark.parametrize("junk", ["", "\r\n", "GARBAGE", "INVITE\r\n:::\r\n" + "X" * 5000])
def test_parse_request_never_raises_on_junk(junk):
    parse_request(junk, "127.0.0.2")
