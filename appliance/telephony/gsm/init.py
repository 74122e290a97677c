"""Bring a modem from "port open" to "ready for calls and SMS".

Order: sync (AT until OK), echo off, verbose errors, profile (auto: ATI / AT+CGMM),
SIM (PIN from config — after one rejected PIN never again, see :class:`PinGuard`),
registration (CREG/CEREG), signal, operator, caller ID, SMS in PDU mode with
new-message indications, then the profile's own switches.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Callable

from appliance.errors import AtTimeout, ModemError
from appliance.telephony.gsm import parsers, profiles
from appliance.telephony.gsm.channel import CommandFailed
from appliance.telephony.gsm.profiles import Profile

log = logging.getLogger("callbox.gsm.init")

Command = Callable[..., list[str]]

# Status reports (+CDS) and new-message indexes (+CMTI), buffered while the line is busy.
CNMI = "AT+CNMI=2,1,0,1,0"
FULL_PIN_TRIES = 3
REG_N = 1  # AT+CREG=1: URCs carry <stat> only (other forms are parsed all the same)


class SimProblem(ModemError):
    """The SIM keeps the line from working; ``sim`` is absent | pin | puk | rejected."""

    def __init__(self, sim: str, message: str):
        super().__init__(message)
        self.sim = sim


class PinRejected(SimProblem):
    def __init__(self, message: str):
        super().__init__("rejected", message)


class PinGuard:
    """Remembers a rejected PIN for the life of the process: one wrong try, never two.

    Where the modem reports attempts left, fewer than a full set (someone else tried)
    also stops us, so restarts of the box cannot walk the SIM into its PUK lock.
    """

    def __init__(self) -> None:
        self.rejected = False


@dataclass(frozen=True)
class InitResult:
    profile: Profile
    sim: str
    registration: str
    signal_dbm: int | None
    operator: str
    sms_mode: str = "pdu"  # "pdu" | "text" (the modem refused AT+CMGF=0)


@dataclass(frozen=True)
class InitTiming:
    sync_for: float = 10.0  # keep sending AT this long (a modem still booting)
    sync_timeout: float = 1.0
    pin_ready_for: float = 10.0
    cpin_timeout: float = 3.0  # AT+CPIN? (some modems never send its OK)
    sim_settle: float = 1.0  # between AT+CPIN? tries while the SIM starts


def run_init(cmd: Command, profile_name: str, pin: str, guard: PinGuard,
             timing: InitTiming = InitTiming(), sleep: Callable[[float], None] = time.sleep,
             on_pin_entered: Callable[[], None] = lambda: None) -> InitResult:
    sync(cmd, timing)
    _try(cmd, "ATE0")  # echo is dropped by the channel anyway
    _try(cmd, "AT+CMEE=2")
    profile = choose_profile(cmd, profile_name)
    unlock_sim(cmd, pin, guard, profile, timing, sleep, on_pin_entered)
    for setup in (f"AT+CREG={REG_N}", f"AT+CEREG={REG_N}", "AT+COPS=3,0", "AT+CLIP=1",
                  "AT+COLP=1", "AT+CCWA=1,1"):
        _try(cmd, setup)
    sms_mode = choose_sms_mode(cmd)
    for setup in (CNMI, *profile.init):
        _try(cmd, setup)
    registration = query_registration(cmd)
    signal = query_signal(cmd)
    operator = query_operator(cmd)
    log.info("modem ready profile=%s registration=%s signal=%s operator=%s",
             profile.name, registration, signal, operator)
    return InitResult(profile, "ready", registration, signal, operator, sms_mode)


def choose_sms_mode(cmd: Command) -> str:
    """PDU mode where the modem has it; else text mode with UCS2 strings and the
    header details (``AT+CSDH=1``: <fo> and <dcs>, so multipart parts are seen)."""
    _try(cmd, 'AT+CSCS="GSM"')
    try:
        cmd("AT+CMGF=0")
        return "pdu"
    except CommandFailed as exc:
        log.warning("modem refuses PDU mode (%s): SMS in text mode with UCS2",
                    exc.error.code)
    _try(cmd, "AT+CMGF=1")
    _try(cmd, 'AT+CSCS="UCS2"')
    _try(cmd, "AT+CSDH=1")
    _try(cmd, "AT+CSMP=17,167,0,8")  # sent texts: UCS2 (dcs 8), validity 24 h
    return "text"


def sync(cmd: Command, timing: InitTiming) -> None:
    deadline = time.monotonic() + timing.sync_for
    while True:
        try:
            cmd("AT", timeout=timing.sync_timeout)
            return
        except (AtTimeout, CommandFailed):
            if time.monotonic() >= deadline:
                raise


def choose_profile(cmd: Command, name: str) -> Profile:
    if name != "auto":
        return profiles.get(name)
    text = parsers.identity(_try(cmd, "ATI") + _try(cmd, "AT+CGMM"))
    found = profiles.detect(text)
    if found is None:
        log.warning("unknown modem %r: using the generic profile (no PCM audio)", text)
        return profiles.GENERIC
    log.info("modem %r uses profile %s", text, found.name)
    return found


# +CME ERROR answers to AT+CPIN? that are a SIM state, not a failure (27.007 9.2.1).
CPIN_ERRORS = {parsers.CME_SIM_MISSING: "ABSENT", 13: "ABSENT",  # not inserted / failure
               parsers.CME_PIN_REQUIRED: "SIM PIN", parsers.CME_PUK_REQUIRED: "SIM PUK"}
# Vendor states that mean "still starting": asked again like +CME ERROR: 14 (SIM busy).
CPIN_SETTLING = ("NOT READY", "BUSY")


def sim_state(cmd: Command, timeout: float = 3.0) -> str:
    """READY, SIM PIN, SIM PUK, ... or ABSENT.

    The last ``+CPIN:`` line is the answer (a boot notice such as ``+CPIN: SIM PIN``
    may come before it); a modem that never sends the final OK (Wavecom M1306,
    python-gsmmodem issue #19) is read from the partial reply."""
    try:
        lines = cmd("AT+CPIN?", expect="+CPIN:", timeout=timeout)
    except CommandFailed as exc:
        state = CPIN_ERRORS.get(exc.error.number)
        if state is None:
            raise
        return state
    except AtTimeout as exc:
        lines = [line for line in exc.partial if line.startswith("+CPIN:")]
        if not lines:
            raise
        log.info("AT+CPIN? answered without a final result; using %r", lines[-1])
    found = [line for line in lines if line.startswith("+CPIN:")]
    if not found:
        return "UNKNOWN"
    state = parsers.parse_cpin(found[-1])
    return "ABSENT" if state in ("NOT INSERTED", "NO SIM") else state


def unlock_sim(cmd: Command, pin: str, guard: PinGuard, profile: Profile,
               timing: InitTiming, sleep: Callable[[float], None],
               on_pin_entered: Callable[[], None]) -> None:
    state = _sim_state_settled(cmd, sleep, timing)
    if state == "READY":
        return
    if state == "ABSENT":
        raise SimProblem("absent", "no SIM card")
    if "PUK" in state:
        raise SimProblem("puk", "SIM is PUK-locked: unlock it in a phone")
    if state != "SIM PIN":
        raise SimProblem("pin", f"SIM asks for {state}")
    if guard.rejected:
        raise PinRejected("the configured PIN was rejected before; not trying again")
    if not pin:
        raise SimProblem("pin", "SIM asks for a PIN and gsm.pin is empty")
    left = pin_attempts_left(cmd, profile)
    if left is not None and left < FULL_PIN_TRIES:
        guard.rejected = True
        raise PinRejected(f"only {left} PIN attempts left: enter the PIN by hand")
    try:
        on_pin_entered()
        cmd(f'AT+CPIN="{pin}"', timeout=10.0)
    except CommandFailed as exc:
        guard.rejected = True
        raise PinRejected(f"SIM rejected the configured PIN ({exc.error.code})") from exc
    _wait_ready(cmd, timing, sleep)


def _sim_state_settled(cmd: Command, sleep: Callable[[float], None],
                       timing: "InitTiming") -> str:
    plain_errors = 0
    for _ in range(5):
        try:
            state = sim_state(cmd, timing.cpin_timeout)
        except CommandFailed as exc:
            if exc.error.kind == "ERROR":  # no +CME code (AT+CMEE refused): ask again
                plain_errors += 1
                state = "BUSY"
            elif exc.error.number != parsers.CME_SIM_BUSY:
                raise
            else:
                state = "BUSY"
        if state not in CPIN_SETTLING:
            return state
        sleep(timing.sim_settle)  # the SIM is still starting up
    if plain_errors == 5:
        # Without error codes a modem answers plain ERROR when it has no SIM: a SIM
        # problem (shown as no-sim) rather than a modem to reset again and again.
        log.warning("AT+CPIN? answers only ERROR: taken as no SIM")
        return "ABSENT"
    return "UNKNOWN"


def _wait_ready(cmd: Command, timing: InitTiming, sleep: Callable[[float], None]) -> None:
    deadline = time.monotonic() + timing.pin_ready_for
    while time.monotonic() < deadline:
        try:
            if sim_state(cmd, timing.cpin_timeout) == "READY":
                return
        except CommandFailed:
            pass  # SIM busy right after the PIN
        sleep(0.2)
    raise SimProblem("pin", "SIM did not become ready after the PIN")


def pin_attempts_left(cmd: Command, profile: Profile) -> int | None:
    if profile.pin_attempts is None:
        return None
    command, pattern = profile.pin_attempts
    try:
        lines = cmd(command)
    except (CommandFailed, AtTimeout):
        return None
    for line in lines:
        m = re.search(pattern, line)
        if m:
            return int(m.group("pin"))
    return None


def query_registration(cmd: Command) -> str:
    """The better of circuit-switched (CREG) and LTE (CEREG) registration.

    Only the line that answers the query is read as the reply; a ``+CREG:`` URC
    arriving while the query runs goes to the URC table (FreeRTOS-Cellular-Interface
    issue #89: SIM800C sends ``+CREG: 2`` before the reply to ``AT+CREG?``)."""
    best = "unknown"
    for query, prefix in (("AT+CREG?", "+CREG:"), ("AT+CEREG?", "+CEREG:")):
        def answers(line: str, prefix: str = prefix) -> bool:
            return parsers.answers_reg_query(line, prefix, REG_N)
        line = parsers.find_line(_try(cmd, query, expect=answers), prefix)
        if line:
            reg = parsers.parse_creg(line, query=True)
            if reg.registered or best == "unknown":
                best = reg.name
            if reg.registered:
                break
    return best


def query_signal(cmd: Command) -> int | None:
    line = parsers.find_line(_try(cmd, "AT+CSQ", expect="+CSQ:"), "+CSQ:")
    return parsers.parse_csq(line) if line else None


def query_operator(cmd: Command) -> str:
    line = parsers.find_line(_try(cmd, "AT+COPS?"), "+COPS:")
    return parsers.parse_cops(line) if line else ""


def _try(cmd: Command, command: str, **kw) -> list[str]:
    """A command whose failure is not fatal (older modems lack some of them)."""
    try:
        return cmd(command, **kw)
    except CommandFailed as exc:
        log.debug("optional command failed cmd=%s error=%s", command, exc.error.code)
        return []
