"""A simulated GSM modem behind a pty, shipped in the product for the demo and tests.

pyserial opens :attr:`SimModem.port` like a real modem's by-id path. The simulator
speaks the chosen profile's dialect (sim/dialects.py), answers commands
(sim/commands.py), and plays scenarios and faults on request:

    sim = SimModem("quectel", workdir).start()
    sim.inject_call("+989121234567"); sim.press("12"); sim.remote_hangup()
    sim.inject_sms("+79161234567", "Привет"); sim.set_ussd_reply("*100#", "Balance 5")
    sim.hang() · sim.wedge() · sim.reboot() · sim.garbage() · sim.vanish() · sim.power_cycle()
    sim.replay(transcript.load("tests/fixtures/modems/transcripts/x.at")); sim.play(0)
"""

from __future__ import annotations

import logging
import os
import random
import select
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from appliance.telephony.gsm import pdu
from appliance.telephony.gsm.sim.audio import SimAudioPort, dtmf_pcm
from appliance.telephony.gsm.sim.commands import CommandSet
from appliance.telephony.gsm.sim.dialects import DIALECTS, Dialect
from appliance.telephony.gsm.sim.pty import PtyEnd
from appliance.telephony.gsm.sim.smsstore import SmsMemories
from appliance.telephony.gsm.sim.transcript import Exchange, Transcript

log = logging.getLogger("callbox.gsm.sim")


@dataclass
class SimCall:
    number: str
    ntype: int
    validity: int
    incoming: bool
    stat: int  # +CLCC stat: 0 active, 2 dialing, 3 alerting, 4 incoming, 6 ended
    started: float = field(default_factory=time.monotonic)


@dataclass
class UssdReply:
    text: str
    dcs: int = 15
    stray_release: bool = False  # a "+CUSD: 2" before the answer (seen on real networks)
    release_text: str = ""  # a '+CUSD: 2,"<text>"' release notice before the answer
    status: int = 0  # the answer's <m>: 0 done, 1 more wanted, 2 released with the answer


class SimModem:
    def __init__(self, profile: str = "quectel", workdir: str | Path | None = None,
                 name: str = "sim0", pin: str = "", operator: str = "Callbox Mobile",
                 ring_every: float = 3.0, audio_source: str = "tone",
                 sms_delivery: str = "cmti", region_plus: bool = True):
        self.dialect: Dialect = DIALECTS[profile]
        self.profile = profile
        self.name = name
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="simmodem-"))
        (self.workdir / "by-id").mkdir(parents=True, exist_ok=True)
        stem = f"usb-Callbox_Sim_{profile}_{name}"
        self.port = str(self.workdir / "by-id" / f"{stem}-if02-port0")
        self.audio_port = str(self.workdir / "by-id" / f"{stem}-if01-port0")
        self.audio = SimAudioPort(self.audio_port, audio_source)
        self.pin = pin
        self.operator = operator
        self.ring_every = ring_every
        self.sms_delivery = sms_delivery  # "cmti" (store, announce index) | "cmt" (direct)
        self.region_plus = region_plus  # international numbers shown with a leading +
        self.commands: list[str] = []  # every command received, in order
        self.sent_sms: list[pdu.SubmitInfo] = []
        self.ussd_replies: dict[str, UssdReply] = {}
        self.ussd_requests: list[str] = []
        self.delivery_status = 0  # TP-ST of status reports (0 = delivered)
        self.sms_refusal = ""  # a final result for AT+CMGS instead of +CMGS (a refusal)
        self.dial_outcome = ("answer", 0.1)
        self.write_gap = 0.0  # seconds between URC lines (RING and +CLIP in separate reads)
        self.fault: str | None = None  # "hang" | "wedge"
        self.hang_until = "power"
        self.dead = False  # a power cycle does not bring it back
        self.power_cycles = 0
        self.rings_sent = 0
        self.call: SimCall | None = None
        self.sms_store: dict[int, str] = {}  # the SIM's memory ("SM")
        self.sms = SmsMemories(self.sms_store)
        self.script: list[Exchange] = []  # recorded exchanges still to replay
        self.transcript: Transcript | None = None
        self._cmds = CommandSet(self)
        self._pty: PtyEnd | None = None
        self._wlock = threading.RLock()
        self._timers: list[threading.Timer] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rx = bytearray()
        self._mr = 0
        self.reset_state()

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> "SimModem":
        self._pty = PtyEnd(self.port)
        self.audio.open()
        self._thread = threading.Thread(target=self._run, name=f"sim-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._cancel_timers()
        if self._thread is not None:
            self._thread.join(1.0)
        self.audio.close()
        if self._pty is not None:
            self._pty.close()
            self._pty = None

    def reset_state(self) -> None:
        """What a modem forgets when it restarts."""
        self.echo = True
        self.cmee = 0
        self.pin_ok = not self.pin
        self.pin_left = getattr(self, "pin_left", 3)
        self.sim_present = getattr(self, "sim_present", True)
        self.reg_stat = getattr(self, "reg_stat", 1)
        self.rssi = getattr(self, "rssi", 20)
        self.status_urcs = False
        self.progress_urcs = False  # AT+MORING=1 (SIM800 "MO RING"/"MO CONNECTED")
        self.colp = False
        self.dial_pending: SimCall | None = None  # an ATD whose final result is held
        self.waiting_number = ""  # a second caller (+CCWA)
        self.dtmf_urcs = not self.dialect.dtmf_enable
        self.sms_prompt: int | None = None
        self.sms_recipient = ""
        self.call = None
        self.audio.set_enabled(False)
        if hasattr(self, "sms"):  # AT+CMGF, AT+CSCS, AT+CPMS are forgotten too
            self.sms.text_mode = self.sms.ucs2 = self.sms.csdh = False
            self.sms.mem1 = "SM"

    # -- scenario API ------------------------------------------------------------------
    def inject_call(self, number: str, withheld: bool = False, ntype: int | None = None) -> None:
        if withheld:
            self.call = SimCall("", 128, 1, incoming=True, stat=4)
        else:
            intl = number.startswith("+")
            shown = number if (self.region_plus or not intl) else number[1:]
            self.call = SimCall(shown, ntype or (145 if intl else 129), 0, incoming=True, stat=4)
        self.send_status()
        self.ring_again(repeat=True)

    def ring_again(self, repeat: bool = False) -> None:
        call = self.call
        if call is None or call.stat != 4:
            return
        self.send(*(self.fmt(t) for t in self.dialect.ring))
        self.rings_sent += 1
        if repeat and self.ring_every > 0:
            self.later(self.ring_every, lambda: self.ring_again(repeat=True))

    def remote_hangup(self, cause: int = 16, silent: bool = False) -> None:
        """The far end hangs up; a caller still ringing gets the dialect's missed-call
        lines, or — ``silent`` — nothing at all: the rings just stop."""
        call = self.call
        if call is None:
            return
        if silent and call.stat == 4:
            self.call = None  # ring_again() finds no call: no more RING, no URC
            return
        lines = self.dialect.missed if call.stat == 4 else self.dialect.remote_end
        self.end_call(lines, cause)

    def inject_waiting(self, number: str, ntype: int = 145) -> None:
        """A second caller while a call is up: +CCWA every ring interval until
        :meth:`waiting_gone` (27.007 7.12, after AT+CCWA=1,1)."""
        self.waiting_number = number
        self._ccwa_again()

    def waiting_gone(self) -> None:
        self.waiting_number = ""

    def _ccwa_again(self) -> None:
        if self.waiting_number and self.call is not None and self.call.stat == 0:
            self.send(f'+CCWA: "{self.waiting_number}",145,1')
            if self.ring_every > 0:
                self.later(self.ring_every, self._ccwa_again)

    def press(self, digits: str) -> None:
        for d in digits:
            if self.dialect.dtmf and self.dtmf_urcs:
                self.send(self.dialect.dtmf.format(digit=d, ascii=ord(d)))
            else:
                self.audio.play(dtmf_pcm(d))

    def inject_sms(self, number: str, text: str, ref: int | None = None, ref_bits: int = 8,
                   reverse: bool = False) -> list[int]:
        """Deliver an SMS (several PDUs when long), last part first when ``reverse``."""
        pdus = pdu.encode_deliver(number, text, datetime.now(timezone.utc),
                                  ref=ref if ref is not None else random.randint(0, 255),
                                  ref_bits=ref_bits)
        indexes = []
        for one in (reversed(pdus) if reverse else pdus):
            indexes.append(self.deliver_pdu(one))
        return indexes

    def deliver_pdu(self, pdu_hex: str, storage: str = "SM") -> int:
        """Store ``pdu_hex`` (any text: a broken PDU too) in ``storage`` and announce it."""
        if self.sms_delivery == "cmt":
            try:
                tpdu_len = len(pdu_hex) // 2 - 1 - int(pdu_hex[:2], 16)
            except ValueError:
                tpdu_len = len(pdu_hex) // 2
            self.send(f'+CMT: ,{tpdu_len}', pdu_hex)
            return -1
        index = self.sms.put(storage, pdu_hex)
        self.send(f'+CMTI: "{storage}",{index}')
        return index

    def set_ussd_reply(self, code: str, text: str, dcs: int = 15,
                       stray_release: bool = False, release_text: str = "",
                       status: int = 0) -> None:
        self.ussd_replies[code] = UssdReply(text, dcs, stray_release, release_text, status)

    def replay(self, transcript: Transcript) -> None:
        """Answer the transcript's commands with its recorded replies (each once)."""
        self.transcript = transcript
        self.script = [Exchange(x.command, list(x.reply)) for x in transcript.exchanges]

    def scripted(self, cmd: str) -> list[str] | None:
        for i, exchange in enumerate(self.script):
            if exchange.command == cmd:
                del self.script[i]
                return exchange.reply
        return None

    def send_recorded(self, reply: list) -> None:
        """A recorded reply: its lines, with its pauses (``= 1.5``) kept."""
        for i, item in enumerate(reply):
            if isinstance(item, float):
                rest = reply[i + 1:]
                self.later(item, lambda: self.send_recorded(rest))
                break
        else:
            i = len(reply)
        if reply[:i]:
            self.send_verbatim(reply[:i])

    def play(self, group: int | list[str]) -> None:
        """Send a transcript's ``group``-th unsolicited lines (or these lines) in one write."""
        lines = group if isinstance(group, list) else self.transcript.unsolicited[group]
        self.send_verbatim(lines)

    def send_verbatim(self, lines: list[str]) -> None:
        """Lines as one read, CRLF between them (a blank line stays a blank line)."""
        self.write(("\r\n" + "\r\n".join(lines) + "\r\n").encode("utf-8"))

    def set_registration(self, stat: int) -> None:
        self.reg_stat = stat
        self.send(f"+CREG: {stat}")

    def set_signal(self, rssi: int) -> None:
        self.rssi = rssi
        if self.profile == "huawei":
            self.send(f"^RSSI: {rssi}")

    # -- faults ------------------------------------------------------------------------
    def hang(self, until: str = "power") -> None:
        """Stop answering; ``until`` = "reopen" | "reset" | "power" clears it."""
        self.fault, self.hang_until = "hang", until

    def wedge(self) -> None:
        """Answer ERROR to everything but the reset command (AT+CFUN=1,1 / AT+CRESET)."""
        self.fault = "wedge"

    def reboot(self, delay: float = 0.05) -> None:
        """Restart: the call drops silently, settings are forgotten, the banner follows."""
        self._cancel_timers()
        self.fault = None
        self.reset_state()
        self.later(delay, self.send_boot)

    def garbage(self, n: int = 64) -> None:
        noise = bytes(random.choice([0xFF, 0x00, 0xFE, 0x80, 0x1B]) if i % 3 == 0
                      else random.randint(0x20, 0x7E) for i in range(n))
        self.write(b"\xff\xff" + noise + b"\r\n+CL\xff\r\n")

    def vanish(self) -> None:
        """The USB device disappears: both ports close, the by-id links go away."""
        self._cancel_timers()
        self.reset_state()
        with self._wlock:
            if self._pty is not None:
                self._pty.close()
                self._pty = None
        self.audio.vanish()

    def power_cycle(self) -> bool:
        """Cut and restore power (the relay or USB reset hook); False when ``dead``."""
        self.power_cycles += 1
        if self.dead:
            self.vanish()
            return False
        self.vanish()
        self.fault = None
        with self._wlock:
            self._pty = PtyEnd(self.port)
        self.audio.open()
        self.later(0.05, self.send_boot)
        return True

    # -- used by commands ----------------------------------------------------------------
    def fmt(self, template: str, cause: int = 16) -> str:
        call = self.call
        number = call.number if call else ""
        ntype = call.ntype if call else 129
        dur = int(time.monotonic() - call.started) if call else 0
        return template.format(number=number, ntype=ntype, validity=call.validity if call else 0,
                               dir=1 if call and call.incoming else 0,
                               stat=call.stat if call else 6, cause=cause, dur=dur)

    def send_status(self) -> None:
        call = self.call
        if self.dialect.status and self.status_urcs and call is not None:
            stat = dict(self.dialect.status_stats).get(call.stat, call.stat)
            self.send(self.fmt(self.dialect.status.replace("{stat}", str(stat))))

    def end_call(self, lines: tuple[str, ...], cause: int = 16) -> None:
        call = self.call
        if call is None:
            return
        call.stat = 6
        self.send(*(self.fmt(t, cause) for t in lines))
        self.send_status()
        self.call = None
        self.audio.set_enabled(False)

    def connect_call(self, lines: tuple[str, ...]) -> None:
        if self.call is None:
            return
        self.call.stat = 0
        self.call.started = time.monotonic()
        self.send(*(self.fmt(t) for t in lines))
        self.send_status()
        if not self.dialect.audio_on:
            self.audio.set_enabled(True)  # analog modems: audio flows once connected

    def send_boot(self) -> None:
        cpin = "+CPIN: READY" if not self.pin else "+CPIN: SIM PIN"
        self.send(*(line.replace("{cpin}", cpin) for line in self.dialect.boot))

    def next_mr(self) -> int:
        self._mr = (self._mr + 1) % 256
        return self._mr

    def later(self, delay: float, fn) -> None:
        timer = threading.Timer(delay, self._guard, args=(fn,))
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def send(self, *lines: str) -> None:
        """URC or response lines, each framed as ``\\r\\n<line>\\r\\n``, as one group:
        a modem never puts another response inside a URC (``+CMT:`` and its PDU)."""
        framed = [b"\r\n" + line.encode("utf-8") + b"\r\n" for line in lines]
        with self._wlock:
            if not self.write_gap:
                self.write(b"".join(framed))
                return
            for i, chunk in enumerate(framed):
                if i:
                    time.sleep(self.write_gap)  # RING and +CLIP in separate reads
                self.write(chunk)

    def write(self, data: bytes) -> None:
        with self._wlock:
            if self._pty is None or self.fault == "hang":
                return
            try:
                self._pty.write(data)
            except OSError:
                pass  # nobody has the port open: a real modem's output is lost too

    # -- the AT loop ---------------------------------------------------------------------
    def _guard(self, fn) -> None:
        try:
            fn()
        except Exception:
            log.exception("simulator step failed sim=%s", self.name)

    def _cancel_timers(self) -> None:
        for t in self._timers:
            t.cancel()
        self._timers = []

    def _run(self) -> None:
        while not self._stop.is_set():
            pty = self._pty
            if pty is None or pty.fd < 0:
                time.sleep(0.02)
                continue
            try:
                ready, _, _ = select.select([pty.fd], [], [], 0.1)
                data = self._read(pty) if ready else b""
            except (OSError, ValueError):
                # EIO: the box closed the port (a reopen clears a "reopen" hang).
                if self.fault == "hang" and self.hang_until == "reopen":
                    self.fault = None
                time.sleep(0.02)
                continue
            if data and self.fault != "hang":
                self._guard(lambda: self._on_bytes(data))

    def _read(self, pty: PtyEnd) -> bytes:
        # Under the lock vanish() closes with: a closed fd number may already be reused.
        with self._wlock:
            if self._pty is not pty or pty.fd < 0:
                return b""
            return os.read(pty.fd, 4096)

    def _on_bytes(self, data: bytes) -> None:
        if self.dial_pending is not None:  # V.250: any character aborts a running ATD
            call, self.dial_pending = self.dial_pending, None
            if self.call is call:
                self.end_call(("NO CARRIER",))
        self._rx += data
        while True:
            if self.sms_prompt is not None:
                end = min((i for i in (self._rx.find(b"\x1a"), self._rx.find(b"\x1b"))
                           if i >= 0), default=-1)
                if end < 0:
                    return
                body, self._rx = bytes(self._rx[:end]), self._rx[end + 1:]
                self._cmds.on_sms_body(body.decode("ascii", "replace").strip())
                continue
            cut = self._rx.find(b"\r")
            if cut < 0:
                return
            raw, self._rx = bytes(self._rx[:cut]), self._rx[cut + 1:]
            cmd = raw.decode("ascii", "replace").strip("\n ")
            if not cmd:
                continue
            if self.echo:
                self.write(raw + b"\r")
            self.commands.append(cmd)
            self._cmds.handle(cmd)
