"""The web process follows a real call: /api/status shows it, SSE brings CallBridged at once."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from datetime import datetime

import pytest

from appliance.auth.users import UserStore
from appliance.config.loader import load_toml
from harness import PCAPS, office_toml, sipp, wait_for
from web import create_app
from web.server import make_server

pytestmark = [pytest.mark.sip]


@pytest.fixture
def web(office):
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                                  rtp_port=office.rtp_port))
    app = create_app(load_toml(office.tmp / "callbox.toml"), office.data, office.control)
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    token = UserStore(office.data).create_token("supervisor")
    yield f"http://127.0.0.1:{server.effective_port}", token
    server.close()


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def _sse(url: str, token: str, seen: list, stop: threading.Event) -> None:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as stream:
        name = None
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name:
                seen.append((name, json.loads(line[5:]), time.time()))
            if stop.is_set():
                return


def test_live_call_on_status_and_sse(office, web):
    base, token = web
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"], answer_after="3-3")
    seen: list = []
    stop = threading.Event()
    threading.Thread(target=_sse, args=(base + "/api/events", token, seen, stop), daemon=True).start()
    caller = threading.Thread(target=sipp, args=(office, "caller.xml"), kwargs={
        "template": {"greet_ms": 1000, "talk_ms": 5000},
        "keys": {"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"}})
    caller.start()
    # while the phone rings the caller is in the taxi queue, on the status page
    status = wait_for(lambda: (s := _get(base + "/api/status", token))["queues"][0]["waiting"] and s,
                      10, what="a waiting caller on /api/status")
    assert status["queues"][0]["name"] == "taxi"
    assert status["queues"][0]["waiting"][0]["caller"] == "+989121234567"
    assert {d["name"]: d["state"] for d in status["dispatchers"]} == {"anna": "ringing"}
    bridged = wait_for(lambda: [e for e in seen if e[0] == "CallBridged"], 10, what="CallBridged")
    name, data, received = bridged[0]
    sent = datetime.fromisoformat(data["at"].replace("Z", "+00:00")).timestamp()
    assert data["dispatcher"] == "anna"
    assert received - sent < 1.0
    caller.join(30)
    stop.set()
    calls = wait_for(lambda: [c for c in _get(base + "/api/calls?number=09121234567", token)
                              if c["disposition"]], 10, what="the ended call in /api/calls")
    assert [c["disposition"] for c in calls] == ["answered"]
