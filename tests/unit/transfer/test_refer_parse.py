"""What the SIP hook reads from a REFER: the Refer-To target and its Replaces."""

import pytest

from appliance.telephony.sip.refer import parse_refer_to


def refer(*headers: str) -> str:
    return "\r\n".join(["REFER sip:callbox@127.0.0.1:5060 SIP/2.0", "Call-ID: x",
                        *headers, "Content-Length: 0", "", ""])


@pytest.mark.parametrize("header,target,replaces", [
    ("Refer-To: <sip:102@192.168.1.5>", "sip:102@192.168.1.5", ""),
    ("Refer-To: sip:ben@box", "sip:ben@box", ""),
    ("r: <sip:102@box;user=phone>", "sip:102@box;user=phone", ""),
    ("refer-to:<sip:102@box>;x=1", "sip:102@box", ""),
    ("Refer-To: <sip:102@box?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>", "sip:102@box",
     "abc@h;to-tag=1;from-tag=2"),
    ("Refer-To: <sip:102@box?Require=replaces&Replaces=c%3Bto-tag%3D1>", "sip:102@box",
     "c;to-tag=1"),
])
def test_target_and_replaces(header, target, replaces):
    assert parse_refer_to(refer(header)) == (target, replaces)


def test_no_refer_to_and_headers_in_the_body_do_not_count():
    assert parse_refer_to(refer("Referred-By: <sip:101@box>")) == ("", "")
    body = refer("Content-Type: message/sipfrag") + "Refer-To: <sip:1@x>\r\n"
    assert parse_refer_to(body) == ("", "")
