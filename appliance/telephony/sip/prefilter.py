"""A pjsip module that judges every new request before pjsua allocates anything for it.

pjsua gives an incoming INVITE a call slot and RTP/RTCP sockets before the application's
``onIncomingCall`` runs; each refused INVITE then holds two ioqueue keys for another
500 ms (PJ_IOQUEUE_KEY_FREE_DELAY), and a burst of ~30 INVITEs exhausts the PyPI
wheel's 64 keys — pjlib asserts and the process aborts. pjsua2 has no hook before
that point, so this registers a plain pjsip module (through ctypes, on the engine
thread) at priority UA_PROXY_LAYER - 1: after the transaction layer has absorbed
retransmissions, before the dialog layer and pjsua. Refused requests get a stateless
response or none; nothing else is created.

Only stable parts of pjsip's ABI are touched: ``pjsip_module`` (a public struct
modules are built from), the first fields of ``pjsip_rx_data`` (checked at run time
by its self pointer before the packet is read) and exported functions.
"""

from __future__ import annotations

import ctypes
import logging
import re
from typing import Any, Callable

from appliance.telephony.sip.guard import Action, Decision, SipRequest

log = logging.getLogger("callbox.sip")

PRIORITY = 31  # PJSIP_MOD_PRIORITY_UA_PROXY_LAYER (32) - 1
_OP_KEY_SIZE = ctypes.sizeof(ctypes.c_void_p) * 34  # pj_ioqueue_op_key_t: 32 + 2 pointers
_P = ctypes.sizeof(ctypes.c_void_p)
# pjsip_rx_data: tp_info {pool, transport, tp_data, op_key {pj_ioqueue_op_key_t, rdata}},
# then pkt_info {pj_time_val timestamp (two longs), char packet[PJSIP_MAX_PKT_LEN], ...}
_RDATA_SELF = 3 * _P + _OP_KEY_SIZE
_PACKET = _RDATA_SELF + _P + 2 * ctypes.sizeof(ctypes.c_long)
_MAX_READ = 4000  # PJSIP_MAX_PKT_LEN's default; the buffer is never smaller

_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9.!%*_+`'~-]*)[ \t]*:[ \t]*(.*)$")
_COMPACT = {"f": "from", "t": "to", "v": "via", "i": "call-id"}
_FROM_USER = re.compile(r"sips?:([^@;>]+)@", re.IGNORECASE)
_TAG = re.compile(r";\s*tag\s*=", re.IGNORECASE)
_MADDR = re.compile(r";\s*maddr\s*=", re.IGNORECASE)


def parse_request(text: str, source: str) -> SipRequest:
    """What the guard needs from a request pjsip has already parsed successfully."""
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    method = lines[0].split(" ", 1)[0].upper() if lines else ""
    headers: dict[str, str] = {}
    for line in lines[1:64]:  # the headers that matter come early; bounded work per packet
        if not line:
            break
        match = _HEADER.match(line)
        if match:
            name = match[1].lower()
            headers.setdefault(_COMPACT.get(name, name), match[2])
    user = _FROM_USER.search(headers.get("from", ""))
    return SipRequest(source=source, method=method, from_user=user[1] if user else "",
                      user_agent=headers.get("user-agent", "")[:200],
                      to_tag=bool(_TAG.search(headers.get("to", ""))),
                      via_maddr=bool(_MADDR.search(headers.get("via", ""))))


class _PjStr(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("slen", ctypes.c_ssize_t)]


_RX = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)


class _PjsipModule(ctypes.Structure):
    _fields_ = [("prev", ctypes.c_void_p), ("next", ctypes.c_void_p), ("name", _PjStr),
                ("id", ctypes.c_int), ("priority", ctypes.c_int),
                ("load", ctypes.c_void_p), ("start", ctypes.c_void_p), ("stop", ctypes.c_void_p),
                ("unload", ctypes.c_void_p), ("on_rx_request", _RX),
                ("on_rx_response", ctypes.c_void_p), ("on_tx_request", ctypes.c_void_p),
                ("on_tx_response", ctypes.c_void_p), ("on_tsx_state", ctypes.c_void_p)]


class _HostPort(ctypes.Structure):
    _fields_ = [("host", _PjStr), ("port", ctypes.c_int)]


class _ResponseAddr(ctypes.Structure):
    # pjsip_response_addr {transport*, pj_sockaddr (28-byte union), int addr_len,
    # pjsip_host_info dst_host {unsigned flag, int type, pjsip_host_port addr}}
    _fields_ = [("transport", ctypes.c_void_p), ("sockaddr", ctypes.c_uint8 * 28),
                ("addr_len", ctypes.c_int), ("flag", ctypes.c_uint), ("type", ctypes.c_int),
                ("addr", _HostPort)]


class RequestFilter:
    """Registers itself on pjsua's endpoint; ``decide`` runs on the engine thread."""

    def __init__(self, library_path: str, decide: Callable[[SipRequest], Decision]):
        self._lib = ctypes.CDLL(library_path)
        self._decide = decide
        self._name = ctypes.create_string_buffer(b"mod-callbox-guard")
        self._callback = _RX(self._on_rx_request)  # referenced: C holds only the pointer
        self._module = _PjsipModule()
        self._module.name = _PjStr(ctypes.cast(self._name, ctypes.c_void_p), 17)
        self._module.id = -1
        self._module.priority = PRIORITY
        self._module.on_rx_request = self._callback
        self._endpt: int | None = None
        self.errors = 0
        self._declare()

    def _declare(self) -> None:
        lib = self._lib
        lib.pjsua_get_pjsip_endpt.restype = ctypes.c_void_p
        lib.pjsip_endpt_register_module.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.pjsip_endpt_unregister_module.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.pjsip_endpt_respond_stateless.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                                                      ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        lib.pjsip_get_response_addr.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        lib.pjsip_tsx_get_dlg.restype = ctypes.c_void_p
        lib.pjsip_tsx_get_dlg.argtypes = [ctypes.c_void_p]
        lib.pjsip_dlg_get_inv_session.restype = ctypes.c_void_p
        lib.pjsip_dlg_get_inv_session.argtypes = [ctypes.c_void_p]
        lib.pjsip_dlg_inc_lock.argtypes = lib.pjsip_dlg_dec_lock.argtypes = [ctypes.c_void_p]
        lib.pjsip_inv_terminate.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]

    def install(self) -> None:
        endpt = self._lib.pjsua_get_pjsip_endpt()
        if not endpt:
            raise RuntimeError("pjsua has no SIP endpoint yet")
        status = self._lib.pjsip_endpt_register_module(endpt, ctypes.byref(self._module))
        if status != 0:
            raise RuntimeError(f"cannot register the SIP guard module (pj status {status})")
        self._endpt = endpt

    def remove(self) -> None:
        if self._endpt is not None:
            self._lib.pjsip_endpt_unregister_module(self._endpt, ctypes.byref(self._module))
            self._endpt = None

    def _on_rx_request(self, rdata: int) -> int:
        try:
            return self._judge(rdata)
        except Exception:  # a bug here must not let a flood through to pjsua's media
            self.errors += 1
            if self.errors <= 5 or self.errors % 1000 == 0:
                log.exception("SIP guard failed on a request (%d so far); dropped", self.errors)
            return 1

    def _judge(self, rdata: int) -> int:
        if ctypes.c_void_p.from_address(rdata + _RDATA_SELF).value != rdata:
            raise RuntimeError("pjsip_rx_data layout is not the one this guard knows")
        text = ctypes.string_at(rdata + _PACKET, _MAX_READ).split(b"\0", 1)[0]
        req = parse_request(text.decode("latin-1"), self._source(rdata))
        decision = self._decide(req)
        if decision.action is Action.PASS:
            return 0
        if decision.action is Action.RESPOND and req.method != "ACK":
            self._lib.pjsip_endpt_respond_stateless(self._endpt, rdata, decision.code,
                                                    None, None, None)
        return 1

    def _source(self, rdata: int) -> str:
        pool = ctypes.c_void_p.from_address(rdata).value  # rdata->tp_info.pool
        addr = _ResponseAddr()
        if self._lib.pjsip_get_response_addr(pool, rdata, ctypes.byref(addr)) != 0:
            return ""
        host = addr.addr.host
        return ctypes.string_at(host.ptr, host.slen).decode("latin-1") if host.slen > 0 else ""

    # ------------------------------------------------- un-ACKed calls (see watchdog)
    def dialog_of(self, tsx: Any) -> int:
        """The dialog of a call's transaction (``SipTransaction.pjTransaction``), or 0."""
        try:
            return int(self._lib.pjsip_tsx_get_dlg(ctypes.c_void_p(int(tsx))) or 0)
        except (TypeError, ValueError):
            return 0

    def terminate(self, dialog: int, code: int) -> bool:
        """End an INVITE session at once. pjsip holds the BYE of an answered call until its
        ACK arrives (or for 32 s), so a caller that never ACKs would keep its slot that long."""
        if not dialog:
            return False
        lib, dlg = self._lib, ctypes.c_void_p(dialog)
        lib.pjsip_dlg_inc_lock(dlg)
        try:
            inv = lib.pjsip_dlg_get_inv_session(dlg)
            return bool(inv) and lib.pjsip_inv_terminate(ctypes.c_void_p(inv), code, 1) == 0
        finally:
            lib.pjsip_dlg_dec_lock(dlg)
