"""The technician's tools in the core: modem identity from real AT transcripts, lamp
test on MockFactory pins, power cycle through the line's hook, restart and shutdown
only under systemd."""

from __future__ import annotations

import threading
import time

import pytest

from appliance.errors import CallboxError
from appliance.system.techtools import TechTools, parse_identity, query_identity

QUECTEL = {
    "AT+CGMM": ["EC25", "OK"],
    "AT+CGSN": ["867698041234567", "OK"],
    "AT+CCID": ["+CCID: 89980112345678901234", "OK"],
    "AT+CNUM": ['+CNUM: "","+989121234567",145', "OK"],
}
SIMCOM = {
    "AT+CGMM": ["SIMCOM_SIM7600E-H", "OK"],
    "AT+CGSN": ["862636051234566", "OK"],
    "AT+CCID": ["+CME ERROR: 4"],
    "AT+QCCID": ["ERROR"],
    "AT+CNUM": ["OK"],  # many SIMs do not store their own number
}


def test_identity_from_real_modem_replies():
    assert parse_identity(QUECTEL) == {"model": "EC25", "imei": "867698041234567",
                                       "iccid": "89980112345678901234",
                                       "own_number": "+989121234567"}
    assert parse_identity(SIMCOM) == {"model": "SIMCOM_SIM7600E-H", "imei": "862636051234566",
                                      "iccid": "", "own_number": ""}


def test_a_modem_that_refuses_a_command_still_gives_the_rest():
    def command(cmd):
        if cmd not in QUECTEL or cmd == "AT+CNUM":
            raise TimeoutError(cmd)
        return QUECTEL[cmd]
    info = query_identity(command)
    assert info["imei"] == "867698041234567" and info["own_number"] == ""


class FakeLine:
    """A GSM line's public surface: a worker thread that runs posted work."""

    def __init__(self, name="gsm1", can_cycle=True):
        self.name, self.can_cycle, self.cycled, self.threads = name, can_cycle, 0, set()

    def post(self, fn):
        threading.Thread(target=lambda: (self.threads.add(threading.current_thread().name), fn()),
                         name="gsm1-worker").start()

    def command(self, cmd):
        assert threading.current_thread().name == "gsm1-worker"  # never from another thread
        return QUECTEL[cmd]

    def power_cycle(self):
        self.cycled += 1
        return self.can_cycle


@pytest.fixture
def lamps():
    from gpiozero.pins.mock import MockFactory

    from appliance.lamps.board import LampBoard
    from appliance.lamps.specs import LampSpec, LampKind
    factory = MockFactory()
    board = LampBoard(factory, [LampSpec("anna", 17, LampKind.DISPATCHER, "anna"),
                                LampSpec("queue", 22, LampKind.QUEUE, "taxi")],
                      lambda e: None, sleep=lambda s: time.sleep(0.05))
    yield board, factory
    board.close()


def test_modem_info_and_power_cycle_run_on_the_line_worker(tmp_path, lamps):
    line, deaf = FakeLine(), FakeLine("gsm2", can_cycle=False)
    tools = TechTools(tmp_path, "1.0", lambda: {"gsm1": line, "gsm2": deaf}, lamps[0])
    assert tools.modem_info({"line": "gsm1"})["iccid"] == "89980112345678901234"
    assert tools.modem_power_cycle({"line": "gsm1"}) == {"line": "gsm1", "power_cycled": True}
    assert line.cycled == 1
    with pytest.raises(CallboxError, match="no power switch"):
        tools.modem_power_cycle({"line": "gsm2"})
    with pytest.raises(CallboxError, match="no GSM line named nope"):
        tools.modem_info({"line": "nope"})


def test_lamp_test_lights_each_lamp(tmp_path, lamps):
    board, factory = lamps
    seen = set()
    tools = TechTools(tmp_path, "1.0", dict, board)
    assert tools.lamp_test({}) == {"lamps": 2}
    deadline = time.monotonic() + 2
    while len(seen) < 2 and time.monotonic() < deadline:
        seen |= {pin for pin in (17, 22) if factory.pin(pin).state}
        time.sleep(0.005)
    assert seen == {17, 22}


def test_restart_and_shutdown_only_under_systemd(tmp_path, lamps):
    stopped = threading.Event()
    demo = TechTools(tmp_path, "1.0", dict, lamps[0], systemd=lambda: False)
    for action in (demo.core_restart, demo.box_shutdown):
        with pytest.raises(CallboxError, match="only on the box"):
            action({})
    box = TechTools(tmp_path, "1.0", dict, lamps[0], systemd=lambda: True,
                    stop_self=stopped.set)
    assert box.core_restart({}) == {"restarting": True}
    assert stopped.wait(2)
    assert box.box_shutdown({}) == {"shutting_down": True}
    assert (tmp_path / "run" / "poweroff-request").exists()
    info = box.core_info({})
    assert info["version"] == "1.0" and info["uptime_s"] >= 0 and info["systemd"] is True


def test_the_simulated_modem_tells_its_identity(tmp_path):
    """Through a real pty and the real AT channel of a GSM line (the demo's modem)."""
    from appliance.telephony.gsm.sim.modem import SimModem
    import serial
    modem = SimModem("quectel", tmp_path / "modem", name="gsm1").start()
    try:
        port = serial.Serial(modem.port, 115200, timeout=2)

        def command(cmd):
            port.reset_input_buffer()
            port.write((cmd + "\r").encode())
            lines = []
            while True:
                line = port.readline().decode(errors="replace").strip()
                if not line:
                    continue
                if line == cmd:
                    continue  # echo
                lines.append(line)
                if line in ("OK", "ERROR") or line.startswith("+CME ERROR"):
                    return lines
        info = query_identity(command)
        port.close()
    finally:
        modem.stop()
    assert info == {"model": "EC25", "imei": "867698040000011",
                    "iccid": "89980100000000000011", "own_number": "+989120000011"}
