"""The AT channel over a real pty (pyserial opens it like a modem port)."""

import os
import select
import threading
import time
import tty

import pytest
import serial

from appliance.errors import AtTimeout
from appliance.telephony.gsm.channel import AtChannel, CommandFailed, PortLost
from appliance.telephony.gsm.urc import UrcTable, cusd_more, lines_after


class Peer:
    """The modem end of a pty, answering commands with a script."""

    def __init__(self, script):
        self.master, slave = os.openpty()
        # Non-blocking: select() reports a pty nobody has opened yet as readable, and a
        # blocking read() would then hang once pyserial opens it.
        os.set_blocking(self.master, False)
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        self.script = script  # command -> bytes to send back (or a callable)
        self.commands = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def _run(self):
        buf = b""
        while not self._stop:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    continue
                buf += os.read(self.master, 1024)
            except OSError:
                time.sleep(0.01)
                continue
            while b"\r" in buf or b"\x1a" in buf:
                cut = min(i for i in (buf.find(b"\r"), buf.find(b"\x1a")) if i >= 0)
                cmd, buf = buf[:cut].decode(), buf[cut + 1:]
                if not cmd:
                    continue
                self.commands.append(cmd)
                reply = self.script.get(cmd, b"\r\nERROR\r\n")
                reply = reply() if callable(reply) else reply
                if reply:
                    self.send(reply)

    def close(self):
        # Stop our thread first: a closed fd number is soon reused by the next pty.
        self._stop = True
        self._thread.join(1.0)
        os.close(self.master)


@pytest.fixture
def rig():
    made = []

    def make(script, urcs=None):
        peer = Peer(script)
        lost = []
        port = serial.Serial(peer.path, 115200, timeout=0.05)
        chan = AtChannel(port, urcs or UrcTable(), lost.append, "test")
        chan.start()
        made.append((peer, chan))
        return peer, chan, lost
    yield make
    for peer, chan in made:
        chan.close()
        try:
            peer.close()
        except OSError:
            pass


def test_urc_inside_a_response_is_removed_and_delivered(rig):
    seen = []
    urcs = UrcTable()
    urcs.add(r"^RING$", lambda m, lines: seen.append(lines[0]))
    urcs.add(r"^\+CMTI:", lambda m, lines: seen.append(lines[0]))
    reply = b'\r\n+CSQ: 17,99\r\n\r\nRING\r\n\r\n+CMTI: "SM",2\r\n\r\nOK\r\n'
    _, chan, _ = rig({"AT+CSQ": reply}, urcs)
    assert chan.command("AT+CSQ", timeout=1) == ["+CSQ: 17,99"]
    assert seen == ["RING", '+CMTI: "SM",2']


def test_echo_left_on_is_ignored(rig):
    _, chan, _ = rig({"AT+CGMM": b"AT+CGMM\r\r\nEC25\r\n\r\nOK\r\n"})
    assert chan.command("AT+CGMM", timeout=1) == ["EC25"]


@pytest.mark.parametrize("reply,number", [(b"\r\n+CME ERROR: 10\r\n", 10),
                                          (b"\r\n+CME ERROR: SIM not inserted\r\n", 10),
                                          (b"\r\n+CMS ERROR: 321\r\n", 321)])
def test_cme_and_cms_errors_numeric_and_verbose_fail_at_once(rig, reply, number):
    _, chan, _ = rig({"AT+CPIN?": reply})
    started = time.monotonic()
    with pytest.raises(CommandFailed) as err:
        chan.command("AT+CPIN?", timeout=3)
    assert err.value.error.number == number
    assert time.monotonic() - started < 1  # recognised, not timed out


def test_timeout_reports_partial_response(rig):
    _, chan, _ = rig({"AT+COPS=?": b"\r\n+COPS: (2,\"MTS\""})
    with pytest.raises(AtTimeout):
        chan.command("AT+COPS=?", timeout=0.2)
    # the next command still works
    _, chan2, _ = rig({"AT": b"\r\nOK\r\n"})
    assert chan2.command("AT", timeout=1) == []


def test_expected_prefix_wins_over_the_same_urc(rig):
    seen = []
    urcs = UrcTable()
    urcs.add(r"^\+CLCC:", lambda m, lines: seen.append(lines[0]))
    reply = b'\r\n+CLCC: 1,1,4,0,0,"+79161234567",145\r\n\r\nOK\r\n'
    peer, chan, _ = rig({"AT+CLCC": reply}, urcs)
    assert chan.command("AT+CLCC", timeout=1, expect="+CLCC:") == [
        '+CLCC: 1,1,4,0,0,"+79161234567",145']
    assert seen == []
    peer.send(b'\r\n+CLCC: 1,1,6,0,0,"+79161234567",145\r\n')
    _wait(lambda: seen)


def test_multiline_urcs_are_gathered(rig):
    got = []
    urcs = UrcTable()
    urcs.add(r"^\+CUSD:", lambda m, lines: got.append(lines), more=cusd_more)
    urcs.add(r"^\+CMT:", lambda m, lines: got.append(lines), more=lines_after(1))
    peer, chan, _ = rig({"AT": b"\r\nOK\r\n"}, urcs)
    peer.send(b'\r\n+CUSD: 0,"Balance 5\r\nBonus 2",15\r\n\r\n+CMT: ,24\r\n0791ABCD\r\n')
    _wait(lambda: len(got) == 2)
    assert got == [['+CUSD: 0,"Balance 5', 'Bonus 2",15'], ["+CMT: ,24", "0791ABCD"]]
    assert chan.command("AT", timeout=1) == []


def test_sms_prompt_then_data(rig):
    peer, chan, _ = rig({"AT+CMGS=12": b"\r\n> ", "00ABCDEF": b"\r\n+CMGS: 7\r\n\r\nOK\r\n"})
    assert chan.command("AT+CMGS=12", data="00ABCDEF", timeout=1) == ["+CMGS: 7"]


def test_reader_survives_garbage_and_a_failing_handler(rig):
    urcs = UrcTable()

    def boom(m, lines):
        raise RuntimeError("handler bug")
    urcs.add(r"^RING$", boom)
    peer, chan, _ = rig({"AT": b"\r\nOK\r\n"}, urcs)
    peer.send(b"\xff\xfe\x00\x80garbage\xff\r\n\r\nRING\r\n")
    time.sleep(0.05)
    assert chan.command("AT", timeout=1) == []
    assert chan.alive


def test_pulled_cable_reports_lost_and_fails_commands(rig):
    peer, chan, lost = rig({"AT": b"\r\nOK\r\n"})
    peer.close()
    _wait(lambda: lost)
    assert not chan.alive
    with pytest.raises(PortLost):
        chan.command("AT", timeout=0.5)


def _wait(pred, timeout=2.0):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.01)


def _later(peer_ref, delay, data):
    def send():
        time.sleep(delay)
        peer_ref[0].send(data)
    return lambda: (threading.Thread(target=send, daemon=True).start(), b"")[1]


def test_a_late_ok_after_a_timeout_does_not_finish_the_next_command(rig):
    """Item 2 of issue 9: the OK of a command that timed out arrives while the next one
    would be running; it is routed as unsolicited, never as the next command's result."""
    ref = []
    peer, chan, _ = rig({"AT+CLAC": _later(ref, 0.15, b"\r\nOK\r\n"),
                         "AT+COPS?": _later(ref, 0.1, b'\r\n+COPS: 0,0,"MTS",7\r\n\r\nOK\r\n')})
    ref.append(peer)
    with pytest.raises(AtTimeout):
        chan.command("AT+CLAC", timeout=0.1)
    assert chan.command("AT+COPS?", timeout=1) == ['+COPS: 0,0,"MTS",7']


def test_a_second_final_result_never_overwrites_the_first(rig):
    seen = []
    urcs = UrcTable()
    urcs.add(r"^(NO CARRIER)$", lambda m, lines: seen.append(lines[0]), ends_call_command=True)
    _, chan, _ = rig({"ATA": b"\r\nOK\r\n\r\nNO CARRIER\r\n"}, urcs)
    assert chan.command("ATA", timeout=1) == []  # answered: no CommandFailed
    _wait(lambda: seen == ["NO CARRIER"])  # and the call's end went to the URC table
