"""The demo office: two simulated dispatcher phones next to the box's SIP port."""

from __future__ import annotations

DEMO_TOML = """\
# Written by `callbox demo`; pass --config FILE to use your own instead.
[office]
name = "Demo Taxi"
language = "{language}"
timezone = "{timezone}"
country = "IR"

[sip]
listen = "{sip_host}:{sip_port}"
rtp_port = {rtp_port}

[[dispatcher]]
name = "Ali"
extension = "101"
phone = "sip:101@{sip_host}:{phone1}"
lamp = 17
button = 27

[[dispatcher]]
name = "Sara"
extension = "102"
phone = "sip:102@{sip_host}:{phone2}"
lamp = 23
button = 24

[[gsm]]
name = "gsm1"
port = "sim:quectel"            # the built-in modem simulator behind a pty
profile = "quectel"
balance_ussd = "*140*11#"
balance_every_min = 60

[lamps]
pin_factory = "mock"
queue_waiting = 22

[lamps.lines]
sip = 6
gsm1 = 13

[[queue]]
name = "taxi"
strategy = "longest-idle"
ring_timeout_s = 12
wrapup_s = 3
target_wait_s = 20
announce_every_s = 20

[[queue]]
name = "office"
strategy = "ringall"
wrapup_s = 3
target_wait_s = 30

[[queue]]
name = "operator"
strategy = "ringall"
wrapup_s = 3
"""


def demo_ports(sip_port: int) -> dict[str, int]:
    """Ports derived from the SIP port, so several demos can run side by side."""
    return {"phone1": sip_port + 11, "phone2": sip_port + 12, "callers": sip_port + 20,
            "rtp_port": 20000 + (sip_port % 1000) * 40}


def demo_toml(sip_host: str, sip_port: int, language: str = "en",
              timezone: str = "Asia/Tehran") -> str:
    ports = demo_ports(sip_port)
    return DEMO_TOML.format(sip_host=sip_host, sip_port=sip_port, language=language,
                            timezone=timezone, phone1=ports["phone1"], phone2=ports["phone2"],
                            rtp_port=ports["rtp_port"])
