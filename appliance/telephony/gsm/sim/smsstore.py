"""The simulated modem's SMS memories and how it lists them, in PDU or text mode.

Messages are kept as PDUs per storage (``SM`` the SIM, ``ME`` the modem, ``SR``
status reports); ``AT+CPMS`` picks the one ``AT+CMGR``/``AT+CMGL``/``AT+CMGD`` work
on. In text mode (``AT+CMGF=1``, a modem set to refuse PDU mode) entries are
rendered the way 27.005 3.4.3 shows them with ``AT+CSDH=1``; under
``AT+CSCS="UCS2"`` the sender and the text are UCS2 hex. ``noise`` puts a stray line
between a header and its PDU (what a D-Link DWM222 does: gammu PR #823).
"""

from __future__ import annotations

from appliance.telephony.gsm import pdu

UDHI = 0x40


class SmsMemories:
    def __init__(self, sim_store: dict[int, str]):
        self.storages: dict[str, dict[int, str]] = {"SM": sim_store, "ME": {}, "SR": {}}
        self.mem1 = "SM"
        self.pdu_supported = True
        self.text_mode = False
        self.ucs2 = False
        self.csdh = False
        self.noise: str | None = None

    @property
    def current(self) -> dict[int, str]:
        return self.storages[self.mem1]

    def put(self, storage: str, raw: str) -> int:
        box = self.storages[storage]
        index = max(box, default=0) + 1
        box[index] = raw
        return index

    def select(self, name: str) -> bool:
        if self.ucs2 and name not in self.storages:
            try:
                name = bytes.fromhex(name).decode("utf-16-be")
            except ValueError:
                return False
        if name not in self.storages:
            return False
        self.mem1 = name
        return True

    def cpms_reply(self) -> str:
        used = len(self.current)
        return f"+CPMS: {used},30,{used},30,{len(self.storages['SM'])},30"

    # -- rendering ------------------------------------------------------------------------
    def read(self, index: int) -> list[str] | None:
        raw = self.current.get(index)
        if raw is None:
            return None
        if self.text_mode:
            return self._text_entry(raw, None)
        return self._with_noise([f"+CMGR: 0,,{_tpdu_len(raw)}", raw])

    def listing(self) -> list[str]:
        lines: list[str] = []
        for index, raw in sorted(self.current.items()):
            if self.text_mode:
                lines += self._text_entry(raw, index)
            else:
                lines += self._with_noise([f"+CMGL: {index},0,,{_tpdu_len(raw)}", raw])
        return lines

    def _with_noise(self, entry: list[str]) -> list[str]:
        return [entry[0], self.noise, *entry[1:]] if self.noise else entry

    def _text_entry(self, raw: str, index: int | None) -> list[str]:
        try:
            msg = pdu.decode(raw)
        except pdu.PduError:
            return [f"+CMGL: {index},\"REC UNREAD\",\"\",,\"\"" if index is not None
                    else '+CMGR: "REC UNREAD","",,""', raw]
        assert isinstance(msg, pdu.Deliver)
        sender = self._str(msg.sender)
        stamp = msg.timestamp.strftime("%y/%m/%d,%H:%M:%S+00") if msg.timestamp else ""
        body = msg.text.encode("utf-16-be")
        fo = 0x04
        if msg.concat is not None:  # the header rides in front of the text (fo has UDHI)
            fo |= UDHI
            c = msg.concat
            udh = bytes([5, 0, 3, c.ref & 0xFF, c.total, c.seq])
            body = udh + body
        data = body.hex().upper() if self.ucs2 else msg.text
        if index is None:
            details = f',145,{fo},0,8,"{self._str(msg.smsc)}",145,{len(body)}' if self.csdh else ""
            return [f'+CMGR: "REC UNREAD","{sender}",,"{stamp}"{details}', data]
        return [f'+CMGL: {index},"REC UNREAD","{sender}",,"{stamp}",145,{len(body)}', data]

    def _str(self, text: str) -> str:
        return text.encode("utf-16-be").hex().upper() if self.ucs2 else text


def _tpdu_len(raw: str) -> int:
    try:
        return len(raw) // 2 - 1 - int(raw[:2], 16)
    except ValueError:
        return len(raw) // 2
