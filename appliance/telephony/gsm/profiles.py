"""Vendor profiles as data: which URCs mean what, which commands switch things on.

A call URC maps to one of a few kinds the line understands:
``ring`` · ``clip`` (a +CLIP line) · ``status`` (a +CLCC-shaped line: named groups
``idx dir stat number ntype``) · ``dsci`` (the same groups, Quectel's ^DSCI numbering
of ``stat``) · ``dialing`` · ``alerting`` · ``connected`` ·
``ended`` (optional group ``cause``) · ``dtmf`` (group ``digit``, or ``code`` = the
ASCII code of the key) · ``rssi`` (group ``rssi``) · ``waiting`` (a second caller:
groups ``number ntype``) · ``ignore``.
Sources for each form are cited in tests/fixtures/modems/*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from appliance.errors import ConfigError


@dataclass(frozen=True)
class CallUrc:
    pattern: str
    kind: str


@dataclass(frozen=True)
class Profile:
    name: str
    match: str  # regex searched in the ATI + AT+CGMM text
    init: tuple[str, ...] = ()  # extra commands at the end of init (errors tolerated)
    call_urcs: tuple[CallUrc, ...] = ()
    audio_on: tuple[str, ...] = ()  # after a call connects
    audio_off: tuple[str, ...] = ()  # after it ends
    audio: str = "serial"  # "serial": PCM on a USB serial port; "sound-card": analog; "none"
    dtmf: str = "urc"  # "urc" (the modem reports keys) | "inband" (detect in the audio)
    reset: str = "AT+CFUN=1,1"
    hangup: str = "ATH"
    ussd: str = "text"  # "text" | "packed-hex" (request and GSM-7 replies as packed septets)
    reboot_urcs: tuple[str, ...] = ("RDY", "+CPIN: READY")
    # (command, regex with group ``pin``): PIN attempts left, where the modem tells.
    pin_attempts: tuple[str, str] | None = None
    # Outbound answer detection (besides the call URCs above and +COLP, which every
    # profile turns on with AT+COLP=1): "urc" — the URCs say it; "atd-ok" — ATD's final
    # OK comes only when the far end answers; "clcc-poll" — ask AT+CLCC while it rings
    # (and a held ATD OK, taking at least GsmTiming.atd_hold_min, is an answer too).
    answer_by: str = "urc"

    def compiled_call_urcs(self) -> list[tuple[re.Pattern, str]]:
        return [(re.compile(u.pattern), u.kind) for u in self.call_urcs + COMMON_CALL_URCS]


# The number is quoted in 27.007; some captured logs show it bare.
CLCC = CallUrc(r'^\+CLCC:\s*(?P<idx>\d+),(?P<dir>\d),(?P<stat>\d),\d+,\d+'
               r'(?:,"?(?P<number>[^",]*)"?(?:,(?P<ntype>\d+))?)?', "status")

# Call URCs every 27.007 modem sends (after each vendor's own, which win).
COMMON_CALL_URCS = (
    # Unsolicited +CSQ (SIM7600 AT+AUTOCSQ=1,1; the reply to AT+CSQ is expected, so only
    # a line nobody asked for gets here).
    CallUrc(r"^\+CSQ:\s*(?P<rssi>\d+)", "rssi"),
    CallUrc(r"^RING$", "ring"),
    CallUrc(r"^\+CRING:\s*VOICE", "ring"),
    CallUrc(r"^\+CLIP:", "clip"),
    CallUrc(r"^\+COLP:", "connected"),
    # 27.007 7.12 (AT+CCWA=1,1): +CCWA: <number>,<type>,<class>[,<alpha>][,<CLI validity>]
    CallUrc(r'^\+CCWA:\s*"?(?P<number>[^",]*)"?,(?P<ntype>\d+)', "waiting"),
)

QUECTEL = Profile(
    name="quectel",
    match=r"(?i)quectel|\bE[CG]2[0-9]|\bEC200",
    init=('AT+QURCCFG="urcport","usbat"', "AT^DSCI=1", "AT+QTONEDET=1"),
    call_urcs=(
        CallUrc(r'^\^DSCI:\s*(?P<idx>\d+),(?P<dir>\d),(?P<stat>\d),\d+,"?(?P<number>[^",]*)"?'
                r'(?:,(?P<ntype>\d+))?', "dsci"),
        CallUrc(r"^\+QTONEDET:\s*(?P<code>\d+)$", "dtmf"),
        # AT+QINDCFG="csq",1: +QIND: "csq",<rssi>,<ber> (Quectel EC2x AT manual, QINDCFG)
        CallUrc(r'^\+QIND:\s*"csq",\s*(?P<rssi>\d+)', "rssi"),
        CallUrc(r"^\+QIND:", "ignore"),
    ),
    audio_on=("AT+QPCMV=1,0",),
    audio_off=("AT+QPCMV=0",),
    pin_attempts=('AT+QPINC="SC"', r'\+QPINC:\s*"SC",(?P<pin>\d+)'),
)

SIMCOM = Profile(
    name="simcom",
    match=r"(?i)SIM7[1-9]00|SIMCOM_SIM7",
    init=("AT+CLCC=1",),
    call_urcs=(
        CLCC,
        CallUrc(r"^VOICE CALL:\s*BEGIN", "connected"),
        CallUrc(r"^VOICE CALL:\s*END", "ended"),
        CallUrc(r"^MISSED_CALL:", "ended"),
        CallUrc(r"^\+RXDTMF:\s*(?P<digit>[0-9*#A-D])", "dtmf"),
        CallUrc(r"^(SMS DONE|PB DONE)$", "ignore"),
    ),
    audio_on=("AT+CPCMREG=1",),
    audio_off=("AT+CPCMREG=0",),
    reset="AT+CRESET",
    hangup="AT+CHUP",
    pin_attempts=("AT+SPIC", r"\+SPIC:\s*(?P<pin>\d+)"),
)

HUAWEI = Profile(
    name="huawei",
    match=r"(?i)huawei|\bE1[5-7][0-9]{1,2}\b",
    call_urcs=(
        CallUrc(r"^\^ORIG:\s*\d+", "dialing"),
        CallUrc(r"^\^CONF:\s*\d+", "alerting"),
        CallUrc(r"^\^CONN:\s*\d+", "connected"),
        CallUrc(r"^\^CEND:\s*\d+,\s*\d+,\s*\d+(?:,\s*(?P<cause>\d+))?", "ended"),
        CallUrc(r"^\^RSSI:\s*(?P<rssi>\d+)", "rssi"),
        CallUrc(r"^\^(BOOT|MODE|SRVST|SIMST|DSFLOWRPT|STIN|CSNR|HCSQ|SYSINFOEX|EONS):", "ignore"),
    ),
    audio_on=("AT^DDSETEX=2",),
    dtmf="inband",
    hangup="AT+CHUP",
    ussd="packed-hex",
    reboot_urcs=("^SYSSTART", "+CPIN: READY"),
    pin_attempts=("AT^CPIN?", r"\^CPIN:\s*[^,]*,[^,]*,[^,]*,(?P<pin>\d+)"),
)

SIM800 = Profile(
    name="sim800",
    match=r"(?i)SIM8[0-9]{2}|SIM9[0-9]{2}",
    init=("AT+DDET=1", "AT+CLCC=1", "AT+MORING=1", "AT+CDRIND=1"),
    call_urcs=(
        CLCC,
        CallUrc(r"^MO RING$", "alerting"),  # AT+MORING=1 (SIM800 Series AT manual)
        CallUrc(r"^MO CONNECTED$", "connected"),
        CallUrc(r"^\+CDRIND:\s*0", "ended"),  # AT+CDRIND=1: a CS voice call terminated
        CallUrc(r"^\+DTMF:\s*(?P<digit>[0-9*#A-D])", "dtmf"),
        CallUrc(r"^(Call Ready|\+CFUN: 1)$", "ignore"),
    ),
    audio="sound-card",
    answer_by="atd-ok",  # with AT+COLP=1 the OK of ATD follows +COLP, at answer
    reboot_urcs=("RDY", "SMS Ready", "+CPIN: READY"),
    pin_attempts=("AT+SPIC", r"\+SPIC:\s*(?P<pin>\d+)"),
)

# A modem auto-detection does not know: plain 27.007 calls and SMS, no PCM audio.
GENERIC = Profile(name="generic", match=r"(?!)", call_urcs=(CLCC,), init=("AT+CLCC=1",),
                  audio="none", answer_by="clcc-poll")

# Start-up and status lines any modem may print in the middle of a command (boot,
# SIM and phonebook ready notices): never part of a response, whatever the profile —
# before auto-detection knows the profile, too. Sources: tests/fixtures/modems/transcripts.
BOOT_NOISE = (
    r"^\+QUSIM:\s*\d+$", r"^\+CFUN:\s*\d$", r"^\+QIND:\s*(SMS|PB) DONE$",
    r"^(Call Ready|SMS Ready|SMS DONE|PB DONE)$",
    r"^\^(BOOT|MODE|SRVST|SIMST|DSFLOWRPT|STIN|CSNR|HCSQ|SYSINFOEX|EONS):",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (QUECTEL, SIMCOM, HUAWEI, SIM800, GENERIC)}


def get(name: str) -> Profile:
    if name not in PROFILES:
        raise ConfigError("gsm.profile", f"unknown profile {name!r} "
                          f"(one of {', '.join(sorted(PROFILES))} or auto)")
    return PROFILES[name]


def detect(identity: str) -> Profile | None:
    """The profile whose ``match`` fits the ATI / AT+CGMM text, or None."""
    for profile in (SIM800, SIMCOM, QUECTEL, HUAWEI):
        if re.search(profile.match, identity):
            return profile
    return None
