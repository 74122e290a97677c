"""A small pjsua2 user agent for the simulators (dispatcher phones, caller generator).

It runs in its own process (one pjsua2 endpoint per process) and owns pjsua2 on
the thread that calls :meth:`SimUA.run`. Work is scheduled with ``later()``; the
loop polls ``libHandleEvents`` and runs what is due. Every pjsua2 object stays in
``self.calls`` / ``self.accounts`` until the UA drops it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import signal
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import pjsua2 as pj

from appliance.telephony.sip.engine import narrowband_codecs

log = logging.getLogger("callbox.sim")


@dataclass
class SimCall:
    key: str
    call: Any
    media: Any = None
    player: Any = None
    recorder: Any = None
    on_confirmed: Callable[["SimCall"], None] | None = None
    on_media: Callable[["SimCall"], None] | None = None
    on_end: Callable[["SimCall", int, str], None] | None = None
    digits: list[str] = field(default_factory=list)
    ended: bool = False
    info: dict = field(default_factory=dict)


class _Call(pj.Call):
    def __init__(self, ua: "SimUA", acc: Any, key: str, pj_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(acc, pj_id)
        self._ua, self.key = ua, key

    def onCallState(self, prm: Any) -> None:
        self._ua._state(self.key)

    def onCallMediaState(self, prm: Any) -> None:
        self._ua._media(self.key)

    def onDtmfDigit(self, prm: Any) -> None:
        sim = self._ua.calls.get(self.key)
        if sim is not None:
            sim.digits.append(prm.digit)


class _Account(pj.Account):
    def __init__(self, ua: "SimUA", on_incoming: Callable[[Any, int], None] | None):
        super().__init__()
        self._ua, self._on_incoming = ua, on_incoming

    def onIncomingCall(self, prm: Any) -> None:
        if self._on_incoming is not None:
            self._on_incoming(self, prm.callId)


class SimUA:
    def __init__(self, ports: list[int], host: str = "127.0.0.1", rtp_port: int = 0):
        self.host = host
        self.ports = ports
        self.rtp_port = rtp_port
        self.calls: dict[str, SimCall] = {}
        self.accounts: list[Any] = []
        self.retired: list[Any] = []  # players/calls dropped at a safe point in the loop
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._keys = itertools.count(1)
        self._stop = False
        self.ep: Any = None

    # ------------------------------------------------------------ set-up
    def start(self) -> None:
        ep = pj.Endpoint()
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = 100000  # clamped by the library
        cfg.logConfig.level = 1
        cfg.logConfig.consoleLevel = 1
        cfg.medConfig.noVad = True
        cfg.medConfig.clockRate = 8000
        cfg.medConfig.sndClockRate = 8000
        ep.libInit(cfg)
        for port in self.ports:
            tcfg = pj.TransportConfig()
            tcfg.port = port
            tcfg.boundAddress = self.host
            ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
        ep.libStart()
        ep.audDevManager().setNullDev()
        narrowband_codecs(ep)
        self.ep = ep

    def account(self, user: str, port: int, on_incoming=None) -> Any:
        acc = _Account(self, on_incoming)
        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:{user}@{self.host}:{port}"
        acfg.mediaConfig.transportConfig.port = self.rtp_port or (port + 10000)
        acfg.mediaConfig.transportConfig.boundAddress = self.host
        acc.create(acfg, True)
        self.accounts.append(acc)
        return acc

    # ------------------------------------------------------------ scheduling
    def later(self, delay: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), fn))

    def run(self, until: Callable[[], bool] = lambda: False) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self.stop())
        signal.signal(signal.SIGINT, lambda *_: self.stop())
        while not self._stop and not until():
            self.ep.libHandleEvents(10)
            now = time.monotonic()
            while self._timers and self._timers[0][0] <= now:
                _, _, fn = heapq.heappop(self._timers)
                try:
                    fn()
                except Exception:
                    log.exception("simulator step failed")
            self.retired.clear()  # outside any pjsua2 callback: safe to destroy
        self.shutdown()

    def stop(self) -> None:
        self._stop = True

    def shutdown(self) -> None:
        if self.ep is None:
            return
        self.ep.hangupAllCalls()
        deadline = time.monotonic() + 1.0
        while any(not c.ended for c in self.calls.values()) and time.monotonic() < deadline:
            self.ep.libHandleEvents(10)
        for sim in self.calls.values():
            sim.player = sim.recorder = sim.media = sim.call = None
        self.calls.clear()
        self.retired.clear()
        for acc in self.accounts:
            acc.shutdown()
        self.accounts.clear()
        self.ep.libDestroy()
        self.ep = None

    # ------------------------------------------------------------ calls
    def adopt(self, acc: Any, pj_id: int) -> SimCall:
        key = f"in{next(self._keys)}"
        sim = SimCall(key, _Call(self, acc, key, pj_id))
        self.calls[key] = sim
        return sim

    def dial(self, acc: Any, uri: str) -> SimCall:
        key = f"out{next(self._keys)}"
        sim = SimCall(key, _Call(self, acc, key))
        self.calls[key] = sim
        sim.call.makeCall(uri, pj.CallOpParam(True))
        return sim

    def respond(self, sim: SimCall, code: int) -> None:
        if sim.ended:
            return
        prm = pj.CallOpParam()
        prm.statusCode = code
        try:
            sim.call.answer(prm) if code < 300 or code == 180 else sim.call.hangup(prm)
        except pj.Error as exc:
            log.debug("respond %s: %s", code, exc.info())

    def hangup(self, sim: SimCall) -> None:
        if not sim.ended:
            try:
                sim.call.hangup(pj.CallOpParam())
            except pj.Error:
                pass

    def play(self, sim: SimCall, wav: str, loop: bool = True) -> None:
        if sim.media is None or sim.ended:
            return
        player = pj.AudioMediaPlayer()
        player.createPlayer(wav, 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(sim.media)
        if sim.player is not None:
            self.retired.append(sim.player)
        sim.player = player

    def record(self, sim: SimCall, wav: str) -> None:
        if sim.media is None:
            return
        rec = pj.AudioMediaRecorder()
        rec.createRecorder(wav)
        sim.media.startTransmit(rec)
        sim.recorder = rec

    def dtmf(self, sim: SimCall, digits: str) -> None:
        if not sim.ended:
            sim.call.dialDtmf(digits)

    def sample_rx(self, sim: SimCall) -> None:
        """Remember how many RTP packets arrived (stats vanish with the call)."""
        if sim.ended or sim.call is None:
            return
        try:
            sim.info["rx_packets"] = int(sim.call.getStreamStat(0).rtcp.rxStat.pkt)
        except pj.Error:
            pass

    # ------------------------------------------------------------ callbacks
    def _state(self, key: str) -> None:
        sim = self.calls.get(key)
        if sim is None or sim.ended:
            return
        info = sim.call.getInfo()
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED and sim.on_confirmed:
            sim.on_confirmed(sim)
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            sim.ended = True
            if sim.recorder is not None:  # finish the WAV (its header) before anyone reads it
                self.retired.append(sim.call)
                sim.recorder = None
            if sim.on_end:
                sim.on_end(sim, info.lastStatusCode, info.lastReason)
            self.later(0.0, lambda: self._retire(key))

    def _media(self, key: str) -> None:
        sim = self.calls.get(key)
        if sim is None or sim.media is not None:
            return
        info = sim.call.getInfo()
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                sim.media = sim.call.getAudioMedia(index)
                if sim.on_media:
                    sim.on_media(sim)
                return

    def _retire(self, key: str) -> None:
        sim = self.calls.pop(key, None)
        if sim is not None:
            self.retired.extend(x for x in (sim.player, sim.recorder, sim.call) if x is not None)
            sim.player = sim.recorder = sim.media = sim.call = None
