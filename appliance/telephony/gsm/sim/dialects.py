"""How each simulated modem speaks: identity, boot banner, call URCs, DTMF, audio switch.

Templates take ``{number} {ntype} {validity} {dir} {stat} {cause} {dur} {digit} {ascii}``.
The forms follow the vendors' manuals and the transcripts cited in
tests/fixtures/modems/*.
"""

from __future__ import annotations

from dataclasses import dataclass

CLCC_LINE = '+CLCC: 1,{dir},{stat},0,0,"{number}",{ntype},""'
CLIP_LINE = '+CLIP: "{number}",{ntype},"",0,"",{validity}'


@dataclass(frozen=True)
class Dialect:
    profile: str
    ati: tuple[str, ...]
    cgmm: str
    boot: tuple[str, ...]  # "{cpin}" becomes +CPIN: READY or +CPIN: SIM PIN
    ring: tuple[str, ...]  # each ring
    status: str = ""  # a +CLCC-shaped line sent on every call state change, when enabled
    status_enable: str = ""  # the command that enables ``status`` (AT^DSCI=1, AT+CLCC=1)
    # +CLCC stat → this dialect's number for it (Quectel's ^DSCI counts differently).
    status_stats: tuple[tuple[int, int], ...] = ()
    in_connected: tuple[str, ...] = ()
    out_dialing: tuple[str, ...] = ()
    out_alerting: tuple[str, ...] = ()
    out_connected: tuple[str, ...] = ()
    remote_end: tuple[str, ...] = ("NO CARRIER",)
    local_end: tuple[str, ...] = ()
    busy_end: tuple[str, ...] = ("BUSY",)
    missed: tuple[str, ...] = ("NO CARRIER",)  # the caller gave up before we answered
    dtmf: str = ""  # "" = no URC: the key is only heard in the audio
    dtmf_enable: str = ""  # command prefix that turns the DTMF URC on ("" = always on)
    audio_on: str = ""  # command prefix that starts PCM ("" = audio whenever connected)
    audio_off: str = ""
    reset: str = "AT+CFUN=1,1"
    ussd: str = "text"
    pin_attempts: str = ""  # reply template with {left}; "" = command unknown (ERROR)
    pin_command: str = ""
    progress_enable: str = ""  # command that turns the out_* lines on ("" = always on)
    # When ATD's final result waits for the far end: "" never, "colp" once AT+COLP=1
    # (SIM800), "always" (Siemens MC35 with AT^SM20=1, its default).
    dial_holds: str = ""


DIALECTS: dict[str, Dialect] = {
    "quectel": Dialect(
        profile="quectel",
        ati=("Quectel", "EC25", "Revision: EC25EFAR06A07M4G"),
        cgmm="EC25",
        boot=("RDY", "+CFUN: 1", "{cpin}", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"),
        ring=("RING", CLIP_LINE),
        status="^DSCI: 1,{dir},{stat},0,{number},{ntype},0",
        status_enable="AT^DSCI=1",
        status_stats=((0, 3), (2, 2), (3, 7), (4, 4), (6, 6)),
        dtmf="+QTONEDET: {ascii}",
        dtmf_enable="AT+QTONEDET=1",
        audio_on="AT+QPCMV=1",
        audio_off="AT+QPCMV=0",
        pin_command='AT+QPINC="SC"',
        pin_attempts='+QPINC: "SC",{left},10',
    ),
    "simcom": Dialect(
        profile="simcom",
        ati=("Manufacturer: SIMCOM INCORPORATED", "Model: SIMCOM_SIM7600E-H",
             "Revision: SIM7600M22_V2.0", "IMEI: 861234567890123", "+GCAP: +CGSM"),
        cgmm="SIMCOM_SIM7600E-H",
        boot=("RDY", "{cpin}", "SMS DONE", "PB DONE"),
        ring=("RING", CLIP_LINE),
        status=CLCC_LINE,
        status_enable="AT+CLCC=1",
        in_connected=("VOICE CALL: BEGIN",),
        out_connected=("VOICE CALL: BEGIN",),
        remote_end=("VOICE CALL: END: 000012", "NO CARRIER"),
        local_end=("VOICE CALL: END: 000012",),
        busy_end=("BUSY",),
        missed=("MISSED_CALL: 11:20AM {number}",),
        dtmf="+RXDTMF: {digit}",
        audio_on="AT+CPCMREG=1",
        audio_off="AT+CPCMREG=0",
        reset="AT+CRESET",
        pin_command="AT+SPIC",
        pin_attempts="+SPIC: {left},3,10,10",
    ),
    "huawei": Dialect(
        profile="huawei",
        ati=("Manufacturer: huawei", "Model: E1550", "Revision: 11.608.12.02.143",
             "IMEI: 351234567890123", "+GCAP: +CGSM,+DS,+ES"),
        cgmm="E1550",
        boot=("^SYSSTART", "^SIMST: 1"),
        ring=("RING", '+CLIP: "{number}",{ntype},,,,{validity}'),
        in_connected=("^CONN:1,0",),
        out_dialing=("^ORIG:1,0",),
        out_alerting=("^CONF:1",),
        out_connected=("^CONN:1,0",),
        remote_end=("^CEND:1,{dur},104,{cause}",),
        local_end=("^CEND:1,{dur},104,16",),
        busy_end=("^CEND:1,0,104,17",),
        missed=("^CEND:1,0,104,16",),
        audio_on="AT^DDSETEX=2",
        ussd="packed-hex",
        pin_command="AT^CPIN?",
        pin_attempts="^CPIN: SIM PIN,{left},10,{left},10,3",
    ),
    "sim800": Dialect(
        profile="sim800",
        ati=("SIM800 R14.18",),
        cgmm="SIMCOM_SIM800L",
        boot=("RDY", "+CFUN: 1", "{cpin}", "Call Ready", "SMS Ready"),
        ring=("RING", CLIP_LINE),
        status=CLCC_LINE,
        status_enable="AT+CLCC=1",
        dtmf="+DTMF: {digit}",
        dtmf_enable="AT+DDET=1",
        pin_command="AT+SPIC",
        pin_attempts="+SPIC: {left},3,10,10",
        out_alerting=("MO RING",),
        out_connected=("MO CONNECTED",),
        progress_enable="AT+MORING=1",
        dial_holds="colp",
    ),
    # A 27.007 modem no profile knows (Siemens MC35i): no call-state URCs at all, ATD's
    # OK held until the far end answers (MC35 AT Command Set 2.5, AT^SM20 default).
    "generic": Dialect(
        profile="generic",
        ati=("SIEMENS", "MC35i", "REVISION 02.00"),
        cgmm="MC35i",
        boot=("^SYSSTART",),
        ring=("RING", CLIP_LINE),
        dial_holds="always",
    ),
}
