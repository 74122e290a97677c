"""A SIP trunk both ways, against a SIPp provider on 127.0.0.2: the box registers
(answering the provider's 401 digest challenge), a click-to-call goes out through the
trunk by a [[route]] rule (number rewritten by strip/prepend) and is bridged to the
dispatcher's phone; an INVITE from the registrar's address is taken, one from another
loopback address gets no answer."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from harness import SCENARIOS, free_port, office_toml, wait_for

pytestmark = [pytest.mark.sip]

PROVIDER = "127.0.0.2"
USER, SECRET = "982100000000", "s3cret-trunk"


class Provider:
    """SIPp as the trunk's registrar and proxy (UAS), with its messages traced."""

    def __init__(self, tmp):
        self.port, self.tmp = free_port(), tmp
        text = (SCENARIOS / "trunk_uas.xml").read_text()
        scenario = tmp / "trunk_uas.xml"
        scenario.write_text(text.replace("{user}", USER).replace("{secret}", SECRET))
        self.messages = tmp / "provider-messages.log"
        self.proc = subprocess.Popen(
            ["sipp", "-sf", str(scenario), "-i", PROVIDER, "-p", str(self.port),
             "-mp", str(free_port(span=4)), "-rtp_echo", "-nostdin", "-trace_msg",
             "-message_file", str(self.messages), "-trace_err",
             "-error_file", str(tmp / "provider-errors.log")],
            cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.messages.read_text(errors="replace") if self.messages.exists() else ""

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def provider(tmp_path):
    if shutil.which("sipp") is None:
        pytest.fail("SIPp is missing")
    sipp = Provider(tmp_path)
    yield sipp
    sipp.stop()


def trunk_toml(office, provider_port: int, routes: str) -> str:
    sip_opts = f'allowed_peers = ["127.0.0.1"]\n\n[[sip.trunk]]\nname = "voip"\n' \
               f'registrar = "sip:{PROVIDER}:{provider_port}"\nusername = "{USER}"\n' \
               f'password = "{SECRET}"\nmax_calls = 2\n'
    return office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                       rtp_port=office.rtp_port, sip_opts=sip_opts) + routes


def trunk_up(office) -> bool:
    lines = {line["name"]: line for line in office.control.status()["lines"]}
    return lines.get("voip", {}).get("state") == "up"


def test_a_callback_goes_out_through_the_registered_trunk(office, provider):
    route = '\n[[route]]\nprefix = "+98"\nlines = ["voip"]\nstrip = 1\nprepend = "00"\n'
    office.start_core(trunk_toml(office, provider.port, route))
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"], answer_after="1-1",
                        hangup_after="5-5")
    wait_for(lambda: trunk_up(office), 30, 0.2, "the trunk to register")
    log = provider.text()
    assert "SIP/2.0 401 Unauthorized" in log and "Authorization: Digest" in log
    assert re.search(rf'username="{USER}"', log)

    result = office.control.action("call_back", dispatcher="anna", number="0912 123 4567")
    [record] = office.ended_records(1, timeout=40)
    invite = wait_for(lambda: re.search(r"^INVITE (\S+) SIP/2.0", provider.text(), re.M), 5,
                      what="the INVITE at the provider")
    assert invite.group(1) == f"sip:00989121234567@{PROVIDER}:{provider.port}"
    text = provider.text()  # challenged with 401, the INVITE came again with the digest
    assert len(re.findall(r"^INVITE ", text, re.M)) == 2
    assert re.search(r"^INVITE [^\n]*\n(?:[^\n]+\n)*?Authorization: Digest", text, re.M)
    assert re.search(rf"^From: .*sip:{USER}@{PROVIDER}", provider.text(), re.M)
    assert (record["call_id"], record["direction"], record["line"], record["callee"],
            record["dispatcher"], record["disposition"]) == (
        result["call_id"], "out", "voip", "+989121234567", "anna", "callback")
    assert record["answered_at"] and record["hangup_cause"] == "dispatcher hung up"
    [call] = wait_for(office.phone_calls, 10, what="the phone's call report")
    assert call["answered"] is True


def test_nothing_free_is_refused_with_the_reason(office):
    office.start_core(trunk_toml(office, free_port(), ""))  # no provider: never registers
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"])
    with pytest.raises(Exception,
                       match=r"no line is free to call \+989121234567 \(voip unregistered\)"):
        office.control.action("call_back", dispatcher="anna", number="09121234567")
    dispatchers = {d["name"]: d["state"] for d in office.control.status()["dispatchers"]}
    assert dispatchers["anna"] == "available"


def _invite_from(office, address: str) -> subprocess.CompletedProcess:
    scenario = office.tmp / "run-caller.xml"
    scenario.write_text((SCENARIOS / "caller.xml").read_text().replace("{voice}", "")
                        .replace("{greet_ms}", "500").replace("{talk_ms}", "500"))
    return subprocess.run(
        ["sipp", f"127.0.0.1:{office.sip_port}", "-sf", str(scenario), "-m", "1",
         "-i", address, "-p", str(free_port()), "-mp", str(free_port(span=4)), "-nostdin",
         "-key", "user", "09121234567", "-key", "pt", "101", "-key", "dtmf_pcap",
         "/usr/share/sip-tester/dtmf_2833_1.pcap", "-timeout", "15s", "-timeout_error",
         "-recv_timeout", "8000"], cwd=office.tmp, capture_output=True, text=True, timeout=60)


def test_inbound_only_from_the_trunks_registrar(office, provider):
    office.start_core(trunk_toml(office, provider.port, ""))
    taken = _invite_from(office, PROVIDER)
    assert taken.returncode == 0, taken.stdout[-2000:]
    [record] = office.ended_records(1)
    assert (record["direction"], record["caller"], record["line"]) == ("in", "+989121234567", "voip")
    stranger = _invite_from(office, "127.0.0.3")
    assert stranger.returncode != 0  # no answer at all
    assert len(office.records()) == 1
