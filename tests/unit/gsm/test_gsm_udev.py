"""The udev rules file: well-formed keys, and AT + audio names for each USB modem."""

import re
from pathlib import Path

RULES = Path(__file__).resolve().parents[3] / "udev" / "99-callbox-modems.rules"
TOKEN = re.compile(r'^\s*([A-Z_]+)(\{[A-Za-z0-9_]+\})?\s*(==|!=|\+=|=|:=)\s*"([^"]*)"\s*$')


def rules():
    for line in RULES.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def test_every_rule_is_well_formed():
    for line in rules():
        for token in line.split(", "):
            assert TOKEN.match(token), f"bad token {token!r} in {line!r}"


def test_each_usb_modem_gets_an_at_and_an_audio_port():
    roles = set(re.findall(r'CALLBOX_MODEM\}="(\w+)", ENV\{CALLBOX_ROLE\}="(\w+)"',
                           "\n".join(rules())))
    for modem in ("quectel", "simcom", "huawei"):
        assert {(modem, "at"), (modem, "audio")} <= roles
    assert any("ID_MM_DEVICE_IGNORE" in line for line in rules())
