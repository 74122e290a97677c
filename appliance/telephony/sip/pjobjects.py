"""pjsua2 subclasses. Each callback only hands what happened to the engine and returns.

pjsua2 callbacks run on the engine's own thread (``mainThreadOnly``), except the
player's end-of-file and media-port frame callbacks, which run on the media clock:
those only put an item on a queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pjsua2 as pj

if TYPE_CHECKING:
    from appliance.telephony.sip.engine import SipEngine


class EngineEndpoint(pj.Endpoint):
    def __init__(self, engine: "SipEngine"):
        super().__init__()
        self._engine = engine

    def onRejectedIncomingCall(self, prm: Any) -> None:
        # pjsua itself refused the INVITE (its own call limit): still a rejected call.
        self._engine.on_library_rejected(prm.statusCode, prm.reason, prm.remoteInfo, prm.localInfo)


class EngineAccount(pj.Account):
    def __init__(self, engine: "SipEngine", name: str):
        super().__init__()
        self._engine = engine
        self.name = name

    def onIncomingCall(self, prm: Any) -> None:
        self._engine.on_incoming(self, prm.callId, prm.rdata.srcAddress)

    def onRegState(self, prm: Any) -> None:
        self._engine.on_reg_state(self.name, prm.code, prm.reason, prm.expiration)


class EngineCall(pj.Call):
    """One SIP leg; ``leg_id`` is our id (the call id for callers, the leg id for dispatchers)."""

    def __init__(self, engine: "SipEngine", account: pj.Account, leg_id: str,
                 pj_call_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(account, pj_call_id)
        self._engine = engine
        self.leg_id = leg_id

    def onCallState(self, prm: Any) -> None:
        self._engine.on_call_state(self.leg_id, prm)

    def onCallMediaState(self, prm: Any) -> None:
        self._engine.on_media_state(self.leg_id)

    def onStreamDestroyed(self, prm: Any) -> None:
        self._engine.on_stream_destroyed(self.leg_id, prm.streamIdx)

    def onCallTsxState(self, prm: Any) -> None:
        # An incoming REFER is answered here, so pjsua's default never dials its target.
        self._engine.on_tsx_state(self.leg_id, prm)

    def onCallTransferRequest(self, prm: Any) -> None:
        prm.statusCode = 603  # only reached if refer.py could not answer: never follow it

    def onDtmfDigit(self, prm: Any) -> None:
        method = "info" if prm.method == pj.PJSUA_DTMF_METHOD_SIP_INFO else "rfc2833"
        self._engine.on_dtmf(self.leg_id, prm.digit, method)


class EnginePlayer(pj.AudioMediaPlayer):
    """A playback with a token; end of file is reported back (on the media clock)."""

    def __init__(self, engine: "SipEngine", leg_id: str, token: int):
        super().__init__()
        self._engine = engine
        self.leg_id = leg_id
        self.token = token

    def onEof2(self) -> None:
        self._engine.on_player_eof(self.leg_id, self.token)


class FramePort(pj.AudioMediaPort):
    """Bridges a FrameSource (a GSM modem's PCM port) into the conference bridge."""

    def __init__(self, source: Any):
        super().__init__()
        self._source = source

    def onFrameRequested(self, frame: Any) -> None:
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        data = self._source.read_frame()
        frame.buf = pj.ByteVector(data)
        frame.size = len(data)

    def onFrameReceived(self, frame: Any) -> None:
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            self._source.write_frame(bytes(frame.buf))
