"""The simulated modem's command table: ``(regex, handler)`` per AT command."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

from appliance.telephony.gsm import gsm7, pdu

if TYPE_CHECKING:
    from appliance.telephony.gsm.sim.modem import SimModem

CME = {3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
       11: "SIM PIN required", 12: "SIM PUK required", 16: "incorrect password",
       30: "no network service", 100: "unknown"}
CMS = {302: "operation not allowed", 303: "operation not supported",
       321: "invalid memory index", 500: "unknown error"}
# Set commands every profile accepts without doing anything visible.
BENIGN = re.compile(r"^AT(\+C(NMI|SMS|SMP|RC|CWA|LIP|VHU|MEE|SCA)|\^CURC|"
                    r"\+QURCCFG|\+COPS)=")


class CommandSet:
    def __init__(self, sim: "SimModem"):
        self.sim = sim
        self.table: list[tuple[re.Pattern, Callable[[re.Match], None]]] = [
            (re.compile(p), h) for p, h in (
                (r"^AT$", self.ok),
                (r"^ATE([01])$", self.echo),
                (r"^ATI$", self.ati),
                (r"^AT\+CGMM$", self.cgmm),
                # identity, for the technician's Tools page (made-up but well-formed)
                (r"^AT\+CGSN$", lambda m: self.reply("867698040000011")),
                (r"^AT\+(Q)?CCID$", lambda m: self.reply("+CCID: 89980100000000000011")),
                (r"^AT\+CNUM$", lambda m: self.reply('+CNUM: "","+989120000011",145')),
                (r"^AT\+CMEE=(\d)$", self.cmee),
                (r"^AT\+CPIN\?$", self.cpin_query),
                (r'^AT\+CPIN="?([0-9]+)"?$', self.cpin_enter),
                (r"^AT\+C(G|E)?REG=\d$", self.ok),
                (r"^AT\+C(G|E)?REG\?$", self.creg),
                (r"^AT\+CSQ$", self.csq),
                (r"^AT\+COPS\?$", self.cops),
                (r"^ATA$", self.answer),
                (r"^(ATH|AT\+CHUP)$", self.hangup),
                (r"^ATD([+0-9*#]+);$", self.dial),
                (r"^AT\+CLCC$", self.clcc),
                (r"^AT\+CMGR=(\d+)$", self.cmgr),
                (r"^AT\+CMGD=(\d+)(,\d)?$", self.cmgd),
                (r'^AT\+CMGL=(4|"ALL"|"0041004C004C")$', self.cmgl),
                (r"^AT\+CMGS=(\d+)$", self.cmgs),
                (r'^AT\+CMGS="([0-9A-Fa-f+]+)"$', self.cmgs_text),
                (r"^AT\+CMGF=([01])$", self.cmgf),
                (r"^AT\+COLP=([01])$", self.colp),
                (r'^AT\+CSCS="([A-Z0-9]+)"$', self.cscs),
                (r"^AT\+CSDH=([01])$", self.csdh),
                (r'^AT\+CPMS="([0-9A-Z]+)"', self.cpms),
                (r'^AT\+CUSD=1,"([^"]*)"(,\d+)?$', self.cusd),
                (r"^AT\+CUSD=2$", self.ok),
                (r"^AT\+CFUN\?$", lambda m: self.reply("+CFUN: 1")),
            )]

    # -- dispatch ------------------------------------------------------------------------
    def handle(self, cmd: str) -> None:
        sim = self.sim
        recorded = sim.scripted(cmd)
        if recorded is not None:
            sim.send_recorded(recorded)
            return
        if cmd.upper() == sim.dialect.reset:
            self.reply()
            sim.reboot(delay=0.1)
            return
        if sim.fault == "wedge":
            self.error()
            return
        for pattern, handler in self.table:
            m = pattern.match(cmd)
            if m:
                handler(m)
                return
        self.vendor(cmd)

    def vendor(self, cmd: str) -> None:
        sim, d = self.sim, self.sim.dialect
        if d.status_enable and cmd == d.status_enable:
            sim.status_urcs = True
        elif d.progress_enable and cmd == d.progress_enable:
            sim.progress_urcs = True
        elif d.dtmf_enable and cmd.startswith(d.dtmf_enable):
            sim.dtmf_urcs = True
        elif d.audio_on and cmd.startswith(d.audio_on):
            sim.audio.set_enabled(True)
        elif d.audio_off and cmd.startswith(d.audio_off):
            sim.audio.set_enabled(False)
        elif d.pin_command and cmd == d.pin_command:
            self.reply(d.pin_attempts.format(left=sim.pin_left))
            return
        elif not BENIGN.match(cmd):
            self.error()
            return
        self.reply()

    # -- replies -----------------------------------------------------------------------------
    def reply(self, *lines: str, final: str = "OK") -> None:
        self.sim.send(*lines, final)

    def ok(self, m: re.Match | None = None) -> None:
        self.reply()

    def error(self, cme: int | None = None, kind: str = "CME") -> None:
        texts = CME if kind == "CME" else CMS
        if cme is None or self.sim.cmee == 0:
            self.sim.send("ERROR")
        elif self.sim.cmee == 1:
            self.sim.send(f"+{kind} ERROR: {cme}")
        else:
            self.sim.send(f"+{kind} ERROR: {texts.get(cme, 'unknown')}")

    # -- basics ----------------------------------------------------------------------------------
    def echo(self, m: re.Match) -> None:
        self.sim.echo = m.group(1) == "1"
        self.reply()

    def ati(self, m: re.Match) -> None:
        self.reply(*self.sim.dialect.ati)

    def cgmm(self, m: re.Match) -> None:
        self.reply(self.sim.dialect.cgmm)

    def cmee(self, m: re.Match) -> None:
        self.sim.cmee = int(m.group(1))
        self.reply()

    def cpin_query(self, m: re.Match) -> None:
        sim = self.sim
        if not sim.sim_present:
            self.error(10)
        elif sim.pin_left == 0:
            self.reply("+CPIN: SIM PUK")
        else:
            self.reply("+CPIN: READY" if sim.pin_ok else "+CPIN: SIM PIN")

    def cpin_enter(self, m: re.Match) -> None:
        sim = self.sim
        if sim.pin_ok or sim.pin_left == 0:
            self.error(3 if sim.pin_ok else 12)
        elif m.group(1) == sim.pin:
            sim.pin_ok, sim.pin_left = True, 3
            self.reply()
            sim.later(0.02, lambda: sim.send("+CPIN: READY"))
        else:
            sim.pin_left -= 1
            self.error(16)

    def creg(self, m: re.Match) -> None:
        prefix = {None: "+CREG", "G": "+CGREG", "E": "+CEREG"}[m.group(1)]
        if prefix == "+CEREG" and self.sim.profile in ("sim800", "huawei"):
            self.error()  # 2G/3G modems do not know LTE registration
            return
        stat = self.sim.reg_stat if self.sim.pin_ok else 0
        self.reply(f"{prefix}: 1,{stat}")

    def csq(self, m: re.Match) -> None:
        self.reply(f"+CSQ: {self.sim.rssi},99")

    def cops(self, m: re.Match) -> None:
        sim = self.sim
        self.reply(f'+COPS: 0,0,"{sim.operator}",7' if sim.reg_stat in (1, 5) else "+COPS: 0")

    # -- calls ----------------------------------------------------------------------------------
    def answer(self, m: re.Match) -> None:
        sim = self.sim
        if sim.call is None or sim.call.stat != 4:
            sim.send("NO CARRIER")
            return
        self.reply()
        sim.connect_call(sim.dialect.in_connected)

    def hangup(self, m: re.Match) -> None:
        self.reply()
        self.sim.end_call(self.sim.dialect.local_end)

    def colp(self, m: re.Match) -> None:
        self.sim.colp = m.group(1) == "1"
        self.reply()

    def dial(self, m: re.Match) -> None:
        from appliance.telephony.gsm.sim.modem import SimCall
        sim = self.sim
        if sim.call is not None or sim.reg_stat not in (1, 5):
            self.sim.send("NO CARRIER")
            return
        number = m.group(1)
        sim.call = SimCall(number, 145 if number.startswith("+") else 129, 0,
                           incoming=False, stat=2)
        call, d = sim.call, sim.dialect
        holds = d.dial_holds == "always" or (d.dial_holds == "colp" and sim.colp)
        if holds:
            sim.dial_pending = call  # no final result until the far end decides
        else:
            self.reply()
        outcome, after = sim.dial_outcome
        progress = not d.progress_enable or sim.progress_urcs

        def step(stat: int, lines: tuple[str, ...]) -> None:
            if sim.call is call:
                call.stat = stat
                sim.send(*(lines if progress else ()))
                sim.send_status()

        def finish() -> None:
            if sim.call is not call:
                return
            sim.dial_pending = None
            colp = (sim.fmt('+COLP: "{number}",{ntype},"",0,""'),) if sim.colp else ()
            if outcome == "answer":
                sim.send(*colp, *(("OK",) if holds else ()))
                sim.connect_call(d.out_connected if progress else ())
            elif outcome == "busy":
                sim.end_call(d.busy_end if not holds else ("BUSY",), 17)
            elif outcome == "no-answer":
                sim.end_call(("NO ANSWER",) if holds or not d.out_dialing else d.remote_end, 19)
        sim.later(0.01, lambda: step(2, d.out_dialing))
        sim.later(0.03, lambda: step(3, d.out_alerting))
        if outcome != "ring":
            sim.later(0.03 + after, finish)

    def clcc(self, m: re.Match) -> None:
        call = self.sim.call
        lines = []
        if call is not None:
            lines.append(self.sim.fmt('+CLCC: 1,{dir},{stat},0,0,"{number}",{ntype}'))
        self.reply(*lines)

    # -- SMS -----------------------------------------------------------------------------------
    def cmgr(self, m: re.Match) -> None:
        entry = self.sim.sms.read(int(m.group(1)))
        if entry is None:
            self.error(321, "CMS")
            return
        self.reply(*entry)

    def cmgd(self, m: re.Match) -> None:
        self.sim.sms.current.pop(int(m.group(1)), None)
        self.reply()

    def cmgl(self, m: re.Match) -> None:
        text_form = m.group(1) != "4"
        if text_form != self.sim.sms.text_mode:
            self.error(302, "CMS")  # a PDU-mode stat in text mode or the other way
            return
        self.reply(*self.sim.sms.listing())

    def cmgf(self, m: re.Match) -> None:
        sms = self.sim.sms
        if m.group(1) == "0" and not sms.pdu_supported:
            self.error(303, "CMS")
            return
        sms.text_mode = m.group(1) == "1"
        self.reply()

    def cscs(self, m: re.Match) -> None:
        self.sim.sms.ucs2 = m.group(1) == "UCS2"
        self.reply()

    def csdh(self, m: re.Match) -> None:
        self.sim.sms.csdh = m.group(1) == "1"
        self.reply()

    def cpms(self, m: re.Match) -> None:
        if not self.sim.sms.select(m.group(1)):
            self.error(302, "CMS")
            return
        self.reply(self.sim.sms.cpms_reply())

    def cmgs_text(self, m: re.Match) -> None:
        self.sim.sms_prompt = -1  # the body is text (UCS2 hex), not a PDU
        self.sim.sms_recipient = m.group(1)
        self.sim.write(b"\r\n> ")

    def cmgs(self, m: re.Match) -> None:
        self.sim.sms_prompt = int(m.group(1))
        self.sim.write(b"\r\n> ")

    def on_sms_body(self, body: str) -> None:
        sim = self.sim
        text_mode, sim.sms_prompt = sim.sms_prompt == -1, None
        if text_mode:
            self._text_body(body)
            return
        try:
            info = pdu.decode(body)
        except pdu.PduError:
            self.error(500, "CMS")
            return
        assert isinstance(info, pdu.SubmitInfo)
        if sim.sms_refusal:  # the network refuses it: "+CMS ERROR: 30" as recorded
            sim.send(sim.sms_refusal)
            return
        sim.sent_sms.append(info)
        mr = sim.next_mr()
        self.reply(f"+CMGS: {mr}")
        if info.status_report:
            report = pdu.encode_status_report(mr, info.recipient, sim.delivery_status,
                                              datetime.now(timezone.utc))
            sim.later(0.05, lambda: sim.send(f"+CDS: {len(report) // 2 - 1}", report))

    def _text_body(self, body: str) -> None:
        sim = self.sim
        decode = (lambda t: bytes.fromhex(t).decode("utf-16-be")) if sim.sms.ucs2 else str
        try:
            recipient, text = decode(sim.sms_recipient), decode(body)
        except ValueError:
            self.error(500, "CMS")
            return
        mr = sim.next_mr()
        sim.sent_sms.append(pdu.SubmitInfo(recipient, text, None, False, mr))
        self.reply(f"+CMGS: {mr}")

    # -- USSD ------------------------------------------------------------------------------------
    def cusd(self, m: re.Match) -> None:
        sim = self.sim
        code = m.group(1)
        if sim.dialect.ussd == "packed-hex":
            code = gsm7.decode_packed(bytes.fromhex(code))
        sim.ussd_requests.append(code)
        self.reply()
        answer = sim.ussd_replies.get(code)
        if answer is None:
            sim.later(0.02, lambda: sim.send("+CUSD: 4"))
            return
        if answer.stray_release:
            sim.later(0.01, lambda: sim.send("+CUSD: 2"))
        if answer.release_text:
            sim.later(0.01, lambda: sim.send(f'+CUSD: 2,"{answer.release_text}",15'))
        sim.later(0.03, lambda: sim.send(
            f'+CUSD: {answer.status},"{self.ussd_text(answer)}",{answer.dcs}'))

    def ussd_text(self, answer) -> str:
        if answer.dcs == 72:
            return answer.text.encode("utf-16-be").hex().upper()
        if answer.dcs == 17:
            language = gsm7.pack(gsm7.to_septets("ru"))  # two GSM-7 characters, 2 octets
            return (language + answer.text.encode("utf-16-be")).hex().upper()
        if self.sim.dialect.ussd == "packed-hex":
            return gsm7.encode_packed(answer.text).hex().upper()
        return answer.text
