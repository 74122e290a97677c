"""A line's URC table: which unsolicited lines it listens to and where each goes.

Handlers run on the AT reader thread; each only parses and posts the work to the
line's worker. Call URCs come from the profile (data), the rest is 27.007/27.005.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from appliance.telephony.gsm import parsers, profiles
from appliance.telephony.gsm.profiles import Profile
from appliance.telephony.gsm.urc import UrcTable, cusd_more, lines_after

if TYPE_CHECKING:
    from appliance.telephony.gsm.line import GsmLine

log = logging.getLogger("callbox.gsm.urc")

# Final result codes that also end a call when they arrive unsolicited.
CALL_END_CODES = {"NO CARRIER": 16, "BUSY": 17, "NO ANSWER": 19, "NO DIALTONE": 41}
# +CLCC <stat>: 0 active, 1 held, 2 dialing, 3 alerting, 4 incoming, 5 waiting, 6 disconnect.
STATUS_INPUTS = {0: "connected", 2: "dialing", 3: "alerting", 4: "clip", 5: "waiting",
                 6: "ended"}
# Quectel ^DSCI <stat>: 1 hold, 2 originating, 3 connect, 4 incoming, 5 waiting, 6 end,
# 7 alerting (Quectel AT manual, AT^DSCI).
DSCI_INPUTS = {2: "dialing", 3: "connected", 4: "clip", 5: "waiting", 6: "ended",
               7: "alerting"}


class LineUrcs:
    def __init__(self, line: "GsmLine"):
        self._line = line
        self._table: UrcTable | None = None
        self._installed: str | None = None
        self._reg: dict[str, str] = {}

    def table(self) -> UrcTable:
        """A fresh table for a newly opened port."""
        t = UrcTable()
        t.add(r"^\+C(MT|DS)I:", self._cmti)
        t.add(r"^\+CMT:", self._pdu, more=lines_after(1))
        t.add(r"^\+CDS:", self._pdu, more=lines_after(1))
        t.add(r"^\+CUSD:", self._cusd, more=cusd_more, keeps_blank=True)
        t.add(r"^\+C(E|G)?REG:", self._creg)
        t.add(r"^(NO CARRIER|BUSY|NO ANSWER|NO DIALTONE)$", self._end_code,
              ends_call_command=True)
        self._table, self._installed = t, None
        profile = self._line.profile
        reboot = profile.reboot_urcs if profile else \
            tuple({u for p in profiles.PROFILES.values() for u in p.reboot_urcs})
        for urc in reboot:
            t.add(rf"^{re.escape(urc)}\s*$", self._reboot)
        self.install_profile(profile or profiles.GENERIC)
        for noise in profiles.BOOT_NOISE:
            t.add(noise, self._noise)
        return t

    def install_profile(self, profile: Profile) -> None:
        """Add the profile's call URCs (once per table; auto-detection adds them late)."""
        if self._table is None or self._installed == profile.name:
            return
        for pattern, kind in profile.compiled_call_urcs():
            self._table.add(pattern.pattern, self._call_handler(kind))
        self._installed = profile.name

    # -- handlers (reader thread) ---------------------------------------------------------
    def _post(self, fn) -> None:
        self._line.post(fn)

    def _cmti(self, m: re.Match, lines: list[str]) -> None:
        storage, index = parsers.parse_cmti(lines[0])
        if lines[0].startswith("+CDSI"):
            storage = storage or "SR"
        self._post(lambda: self._line.sms.on_cmti(self._line.command, index, storage))

    def _pdu(self, m: re.Match, lines: list[str]) -> None:
        if len(lines) > 1:
            self._post(lambda: self._line.sms.on_pdu(lines[1], lines[0]))

    def _cusd(self, m: re.Match, lines: list[str]) -> None:
        self._post(lambda: self._line.ussd_flow.on_reply(lines))

    def _creg(self, m: re.Match, lines: list[str]) -> None:
        reg = parsers.parse_creg(lines[0], query=False)
        family = lines[0].split(":", 1)[0]
        # Applied here, in arrival order (the tracker is thread-safe): posted, it would
        # land after the reply of a query that was running when it came and undo it.
        self._reg[family] = reg.name
        names = set(self._reg.values())
        best = next((n for n in ("home", "roaming") if n in names), reg.name)
        self._line.health.update(registration=best)

    def _end_code(self, m: re.Match, lines: list[str]) -> None:
        code = CALL_END_CODES[m.group(1)]
        self._post(lambda: self._line.calls.fire("ended", code=code))

    def _noise(self, m: re.Match, lines: list[str]) -> None:
        log.debug("start-up notice line=%s text=%r", self._line.name, lines[0])

    def _reboot(self, m: re.Match, lines: list[str]) -> None:
        self._line.on_reboot_urc(lines[0])

    def _call_handler(self, kind: str):
        def handle(m: re.Match, lines: list[str]) -> None:
            event = call_input(kind, m, lines[0])
            if event is None:
                return
            name, data = event
            if name == "rssi":
                self._post(lambda: self._line.health.update(signal_dbm=data["dbm"]))
            else:
                self._post(lambda: self._line.calls.fire(name, **data))
        return handle


def call_input(kind: str, m: re.Match, line: str) -> tuple[str, dict] | None:
    """Translate one call URC into a call-machine input (pure; tested with transcripts)."""
    groups = m.groupdict()
    if kind in ("ring", "dialing", "alerting", "connected"):
        return kind, {}
    if kind == "clip":
        cid = parsers.parse_clip(line)
        return "clip", {"number": cid.number, "ntype": cid.ntype, "validity": cid.validity}
    if kind in ("status", "dsci"):
        return _status_input(groups, STATUS_INPUTS if kind == "status" else DSCI_INPUTS)
    if kind == "ended":
        cause = int(groups["cause"]) if groups.get("cause") else 16
        return "ended", {"code": cause}
    if kind == "waiting":
        number = groups.get("number") or ""
        return "waiting", {"number": number, "ntype": int(groups["ntype"]),
                           "validity": None if number else 1}
    if kind == "dtmf":
        digit = groups.get("digit") or parsers.dtmf_from_ascii(groups.get("code") or "")
        return ("dtmf", {"digit": digit}) if digit else None
    if kind == "rssi":
        rssi = int(groups["rssi"])
        return "rssi", {"dbm": None if rssi > 31 else -113 + 2 * rssi}
    return None  # "ignore"


def _status_input(groups: dict, inputs: dict[int, str]) -> tuple[str, dict] | None:
    stat = int(groups["stat"])
    name = inputs.get(stat)
    if name is None:
        return None  # held / waiting: the box runs one call per modem
    if name in ("clip", "waiting"):
        if groups.get("dir") == "0":
            return None  # our own outgoing call in a state we do not track
        number = groups.get("number") or ""
        ntype = int(groups["ntype"]) if groups.get("ntype") else None
        return name, {"number": number, "ntype": ntype, "validity": None if number else 1}
    return name, ({"code": 16} if name == "ended" else {})
