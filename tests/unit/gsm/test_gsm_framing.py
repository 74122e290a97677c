"""Line framing against raw byte streams captured from modems."""

import pytest

from appliance.telephony.gsm.framing import LineFramer
from gsm_fixtures import load


@pytest.mark.parametrize("case", load("framing")["stream"], ids=lambda c: c["reads"][0][:24])
def test_streams_frame_into_lines(case):
    framer = LineFramer()
    lines = []
    for chunk in case["reads"]:
        lines += framer.feed(bytes.fromhex(chunk))
    assert lines == case["lines"]
    assert framer.take_prompt() is case.get("prompt", False)


def test_every_byte_split_gives_the_same_lines():
    data = b"AT+CSQ\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n"
    for cut in range(1, len(data)):
        framer = LineFramer()
        assert framer.feed(data[:cut]) + framer.feed(data[cut:]) == ["AT+CSQ", "+CSQ: 17,99", "OK"]


def test_runaway_garbage_is_flushed_not_buffered_forever():
    framer = LineFramer(max_line=64)
    out = framer.feed(b"\xff" * 100)
    assert len(out) == 1 and framer.partial == ""
    assert framer.feed(b"\r\nOK\r\n") == ["OK"]
