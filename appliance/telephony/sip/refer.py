"""REFER on a call is callbox's business, never pjsua's (mixed into :class:`SipEngine`).

pjsua's default for an in-dialog REFER is to accept it and dial the Refer-To target
itself (``on_call_transferred``): a call the box's queue knows nothing of, and, under
pjsua2 without a ``newCall`` object, a call slot nobody owns. pjsua runs the
application's ``on_call_tsx_state`` *before* that, and only goes on while the REFER's
transaction is still TRYING. So ``onCallTsxState`` (pjobjects.EngineCall) hands the
REFER here, and this module answers it at once — which takes the transaction out of
TRYING, so pjsua never follows it:

- on a dispatcher's leg (an outbound leg the box placed), a REFER without Replaces is
  accepted as pjsua itself would (``202 Accepted``, an implicit subscription, a NOTIFY
  ``SIP/2.0 100 Trying``) and published as ``TransferRequested``; the transfer logic
  later sends the final NOTIFY sipfrag (``outcome``: 200, or 486/480/404/408/487);
- an attended REFER (``Refer-To: <...?Replaces=call-id;to-tag=..;from-tag=..>``) is
  accepted the same way when its Call-ID names a call of the box — the phone's
  consultation call to a colleague through the box (appliance/transfer/internal.py) —
  and published with ``replaces`` set to that call's leg id; it may come on either of
  the phone's two calls. The Call-ID alone identifies the dialog: the box is the far
  end of both, and Call-IDs are unique. Naming no call of the box → ``603 Declined``;
- a REFER on a caller's leg without Replaces, or without Refer-To, is refused (603 / 400).

Only exported pjsip functions are used through ctypes (``pjsip_xfer_*``,
``pjsip_dlg_respond``, ``pjsip_rdata_get_dlg``, ``pjsip_evsub_get_state``).
Everything runs on the engine thread.
"""

from __future__ import annotations

import ctypes
import logging
import re
from typing import Any, Callable
from urllib.parse import unquote

try:
    import pjsua2 as pj
except ImportError:  # pragma: no cover - ReferNotices is still imported by the root
    pj = None

from appliance import events as ev

log = logging.getLogger("callbox.sip")

EVSUB_ACTIVE, EVSUB_TERMINATED = 4, 5  # pjsip_evsub_state
_REFER_TO = re.compile(r"^(?:refer-to|r)[ \t]*:[ \t]*(.+)$", re.IGNORECASE | re.MULTILINE)
_STATE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class _EvsubUser(ctypes.Structure):  # pjsip_evsub_user: six callbacks
    _fields_ = [("on_evsub_state", _STATE_CB), ("on_tsx_state", ctypes.c_void_p),
                ("on_rx_refresh", ctypes.c_void_p), ("on_rx_notify", ctypes.c_void_p),
                ("on_client_refresh", ctypes.c_void_p), ("on_server_timeout", ctypes.c_void_p)]


def parse_refer_to(message: str) -> tuple[str, str]:
    """(target URI, Replaces) from a REFER's text; ("", "") without Refer-To."""
    head = message.split("\r\n\r\n", 1)[0].replace("\r\n", "\n")
    match = _REFER_TO.search(head)
    if match is None:
        return "", ""
    value = match[1].strip()
    uri = value[1:value.index(">")] if value.startswith("<") and ">" in value else \
        value.split(";", 1)[0]
    uri, _, headers = uri.partition("?")
    replaces = ""
    for part in headers.split("&"):
        name, _, text = part.partition("=")
        if name.strip().lower() == "replaces":
            replaces = unquote(text)
    return uri.strip(), replaces


class ReferNotices:
    """The transfer logic's port to the NOTIFYs it owes (bus thread → engine thread)."""

    def __init__(self, engine: Callable[[], Any]):
        self._engine = engine  # the router's engine (None while the SIP engine is missing)

    def outcome(self, leg_id: str, code: int) -> None:
        engine = self._engine()
        if engine is not None:
            engine._submit(lambda: engine._refer_outcome(leg_id, code))


class ReferMixin:
    """Needs the engine's ``_legs``, ``_lib`` (ctypes CDLL), ``_publish``."""

    _refer_lib: Any = None

    def on_tsx_state(self, leg_id: str, prm: Any) -> None:
        """EngineCall.onCallTsxState: only a new incoming REFER matters."""
        event = prm.e
        if event.type != pj.PJSIP_EVENT_TSX_STATE:
            return
        tsx = event.body.tsxState.tsx
        if tsx.method != "REFER" or tsx.role != pj.PJSIP_ROLE_UAS \
                or tsx.state != pj.PJSIP_TSX_STATE_TRYING:
            return
        rdata = event.body.tsxState.src.rdata
        if rdata.pjRxData is None:
            return
        try:
            self._on_refer(leg_id, rdata.wholeMsg, int(rdata.pjRxData))
        except Exception:  # never leave the REFER to pjsua's default: refuse it
            log.exception("leg_id=%s REFER handling failed", leg_id)
            self._refer_respond(int(rdata.pjRxData), 500)

    def _on_refer(self, leg_id: str, message: str, rdata: int) -> None:
        leg = self._legs.get(leg_id)
        target, replaces = parse_refer_to(message)
        if not target:
            self._refer_respond(rdata, 400)
            return
        if leg is None or leg.ended or (leg.inbound and not replaces):
            log.warning("leg_id=%s REFER to %s refused 603: not a dispatcher's leg", leg_id, target)
            self._refer_respond(rdata, 603)
            return
        other = ""
        if replaces:
            other = self._leg_of_dialog(replaces.split(";", 1)[0].strip(), exclude=leg_id)
            if not other:
                log.warning("leg_id=%s attended REFER to %s refused 603: Replaces %s names "
                            "no call of the box", leg_id, target, replaces)
                self._refer_respond(rdata, 603)
                return
        if self._refer_accept(leg_id, rdata):
            self._publish(ev.TransferRequested(leg_id=leg_id, target=target, replaces=other))

    def _leg_of_dialog(self, sip_call_id: str, exclude: str) -> str:
        """The leg whose SIP dialog has this Call-ID ("" if none)."""
        for leg in self._legs.values():
            if leg.leg_id != exclude and not leg.ended and leg.call is not None \
                    and sip_call_id and leg.call.getInfo().callIdString == sip_call_id:
                return leg.leg_id
        return ""

    # -- pjsip through ctypes ---------------------------------------------------------
    def _pjsip(self) -> Any:
        if self._refer_lib is None:
            lib = self._lib
            vp, i = ctypes.c_void_p, ctypes.c_int
            lib.pjsip_rdata_get_dlg.restype = vp
            lib.pjsip_rdata_get_dlg.argtypes = [vp]
            lib.pjsip_dlg_respond.argtypes = [vp, vp, i, vp, vp, vp]
            lib.pjsip_xfer_create_uas.argtypes = [vp, vp, vp, ctypes.POINTER(vp)]
            lib.pjsip_xfer_accept.argtypes = [vp, vp, i, vp]
            lib.pjsip_xfer_notify.argtypes = [vp, i, i, vp, ctypes.POINTER(vp)]
            lib.pjsip_xfer_send_request.argtypes = [vp, vp]
            lib.pjsip_evsub_get_state.argtypes = [vp]
            self._refer_subs: dict[str, int] = {}  # leg_id -> pjsip_evsub* owed a final NOTIFY
            self._refer_cb = _STATE_CB(self._refer_sub_state)  # referenced: C keeps the pointer
            self._refer_user = _EvsubUser(on_evsub_state=self._refer_cb)
            self._refer_lib = lib
        return self._refer_lib

    def _refer_respond(self, rdata: int, code: int) -> None:
        lib = self._pjsip()
        dlg = lib.pjsip_rdata_get_dlg(rdata)
        if dlg:
            lib.pjsip_dlg_respond(dlg, rdata, code, None, None, None)

    def _refer_accept(self, leg_id: str, rdata: int) -> bool:
        """202 + NOTIFY "100 Trying", as pjsua would; the subscription is kept for later."""
        lib = self._pjsip()
        dlg = lib.pjsip_rdata_get_dlg(rdata)
        sub = ctypes.c_void_p()
        if not dlg or lib.pjsip_xfer_create_uas(dlg, ctypes.byref(self._refer_user), rdata,
                                                ctypes.byref(sub)) != 0:
            self._refer_respond(rdata, 500)
            return False
        lib.pjsip_xfer_accept(sub, rdata, 202, None)
        self._refer_subs[leg_id] = sub.value
        self._refer_send(sub.value, EVSUB_ACTIVE, 100)
        return True

    def _refer_send(self, sub: int, state: int, code: int) -> None:
        lib = self._pjsip()
        tdata = ctypes.c_void_p()
        if lib.pjsip_xfer_notify(sub, state, code, None, ctypes.byref(tdata)) == 0:
            lib.pjsip_xfer_send_request(sub, tdata)

    def _refer_outcome(self, leg_id: str, code: int) -> None:
        """The final NOTIFY (``SIP/2.0 <code>``, subscription terminated)."""
        sub = self._pjsip() and self._refer_subs.pop(leg_id, None)
        if sub:
            log.info("leg_id=%s REFER outcome %d", leg_id, code)
            self._refer_send(sub, EVSUB_TERMINATED, code)

    def _refer_sub_state(self, sub: int, event: int) -> None:
        # pjsip's callback: a subscription that ended by itself must not be used again.
        try:
            if self._refer_lib.pjsip_evsub_get_state(sub) == EVSUB_TERMINATED:
                for leg_id, known in list(self._refer_subs.items()):
                    if known == sub:
                        del self._refer_subs[leg_id]
        except Exception:  # an exception must not cross into C
            log.exception("REFER subscription state")
