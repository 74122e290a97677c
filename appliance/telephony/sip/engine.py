"""The SIP engine: pjsua2 on one owning thread, driven by a command queue.

Only the engine thread touches pjsua2. It polls ``libHandleEvents`` and, between
polls, runs commands posted by other threads (answer, play, bridge, originate,
hang up). pjsua2 callbacks become events on the bus and return at once. Every
pjsua2 object lives in the ``_legs`` registry until the engine itself drops it,
because Python's garbage collector would otherwise hang up calls at random.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from appliance import events as ev
from appliance.errors import SipEngineMissing, TelephonyError
from appliance.telephony.numbers import to_e164, user_of_uri
from appliance.telephony.ports import Capacity, FrameSource
from appliance.telephony.sip.admission import SlotBudget, socket_call_rate
from appliance.telephony.sip.graveyard import Graveyard
from appliance.telephony.sip.guard import GuardPolicy, SipGuard
from appliance.telephony.sip.peers import registrar_uri
from appliance.telephony.sip.policing import PolicingMixin
from appliance.telephony.sip.trunks import TrunkDialMixin
from appliance.telephony.sip.watchdog import CallWatch, Limits

log = logging.getLogger("callbox.sip")
wire_log = logging.getLogger("callbox.sip.wire")

try:  # the box may run without the wheel: report it, never crash-loop
    import pjsua2 as pj
    from appliance.telephony.sip import pjobjects
    from appliance.telephony.sip.media import MediaMixin
    from appliance.telephony.sip.prefilter import RequestFilter
    from appliance.telephony.sip.refer import ReferMixin  # REFER: callbox decides, not pjsua
except ImportError:  # pragma: no cover - exercised on images built without the wheel
    pj = None
    pjobjects = None
    MediaMixin = object
    RequestFilter = None
    ReferMixin = type("ReferMixin", (), {})

Publish = Callable[[ev.Event], None]


@dataclass
class SipSettings:
    host: str = "127.0.0.1"
    port: int = 5060
    rtp_port: int = 4000
    max_calls: int = 0  # 0 = whatever the library was compiled with
    reserve_dispatcher_slot: bool = True
    allowed_peers: tuple[str, ...] = ()
    trunks: tuple[Any, ...] = ()  # SipTrunk configs
    country: str = "IR"
    poll_ms: int = 5
    log_wire: bool = False
    user_agent: str = "callbox"
    name: str = "sip"  # line name in call records
    policy: GuardPolicy | None = None  # None: loopback only (tests of the engine alone)
    limits: Limits = field(default_factory=Limits)
    rejected_records_per_min: int = 30  # beyond: counted, not written one record each
    # The address peers must send to when it is not the one we bind (NAT with port
    # forwarding): put in Via/Contact and in SDP. "" = the bound address.
    public_address: str = ""


@dataclass
class Leg:
    leg_id: str
    call: Any  # EngineCall, or None for an external (GSM) leg
    inbound: bool
    for_call: str = ""  # outbound legs: the caller they serve
    media: Any = None
    port: Any = None  # FramePort of an external leg
    player: Any = None
    pending_play: tuple | None = None
    pending_bridge: str = ""
    peer: str = ""
    ringing: bool = False
    answered: bool = False
    ended: bool = False
    watch: CallWatch | None = None
    extra: dict = field(default_factory=dict)


def narrowband_codecs(ep: Any) -> None:
    """Offer G.711 only: every line is 8 kHz, and wideband codecs would only add
    transcoding and resampling on a Raspberry Pi's CPU."""
    for codec in ep.codecEnum2():
        name = codec.codecId.split("/")[0].upper()
        priority = {"PCMA": 255, "PCMU": 254}.get(name, 0)
        ep.codecSetPriority(codec.codecId, priority)


class _PjLogWriter(pj.LogWriter if pj else object):  # type: ignore[misc]
    def write(self, entry: Any) -> None:
        text = entry.msg.rstrip()
        if "--begin msg--" in text or "TX " in text[:40] or "RX " in text[:40]:
            wire_log.debug(text)
        elif entry.level <= 1:
            log.error("pjsua: %s", text)
        elif entry.level <= 2:
            log.warning("pjsua: %s", text)
        else:
            log.debug("pjsua: %s", text)


class SipEngine(PolicingMixin, TrunkDialMixin, ReferMixin, MediaMixin):
    """Implements the SIP half of ``CallControl``; see appliance/telephony/ports.py."""

    def __init__(self, settings: SipSettings, publish: Publish,
                 clock: Callable[[], float] = time.monotonic):
        if pj is None:
            raise SipEngineMissing("SIP engine missing: the pjsua2 module is not installed")
        self.settings = settings
        self._publish = publish
        self._clock = clock
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._legs: dict[str, Leg] = {}
        self._graveyard = Graveyard()  # media objects wait there before destruction
        self._paths: set[tuple[str, str]] = set()  # leg→leg audio, remade on a new port
        self._accounts: list[Any] = []
        self._trunk_state: dict[str, str] = {}
        self._tokens = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._error: BaseException | None = None
        self._ep: Any = None
        self._lib: Any = None
        self._log_writer: Any = None
        self.budget = SlotBudget(0, settings.reserve_dispatcher_slot)
        self.heartbeat = 0.0
        self._line_busy: bool | None = None
        self.guard = SipGuard(settings.policy or GuardPolicy(allowed=()), clock)
        self._filter: Any = None
        self._next_sweep = 0.0
        self._record_tokens = float(settings.rejected_records_per_min)
        self._record_at = clock()

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._run, name="pjsua", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TelephonyError("SIP engine did not start in time")
        if self._error is not None:
            raise TelephonyError(f"SIP engine failed to start: {self._error}") from self._error

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def alive(self, max_age: float = 5.0) -> bool:
        """True while the engine loop keeps turning (for the systemd watchdog)."""
        return self._thread is not None and self._clock() - self.heartbeat < max_age

    # ------------------------------------------------------------- CallControl
    def capacity(self) -> Capacity:
        used = sum(1 for leg in list(self._legs.values()) if leg.call is not None and not leg.ended)
        return Capacity(self.budget.total, used)

    def answer(self, call_id: str) -> None:
        """SIP callers are answered on admission; nothing more to do."""

    def reject(self, call_id: str, code: int, reason: str) -> None:
        self.hangup(call_id, code)

    def hangup(self, call_id: str, code: int = 0) -> None:
        self._submit(lambda: self._do_hangup(call_id, code))

    def play(self, call_id: str, files: Sequence[str], loop: bool = False) -> int:
        token = next(self._tokens)
        files = list(files)
        self._submit(lambda: self._do_play(call_id, files, loop, token))
        return token

    def stop_play(self, call_id: str) -> None:
        self._submit(lambda: self._do_stop_play(call_id))

    def originate(self, leg_id: str, uri: str, caller_id: str = "", for_call: str = "") -> None:
        self._submit(lambda: self._do_originate(leg_id, uri, caller_id, for_call))

    def bridge(self, call_id: str, leg_id: str) -> None:
        self._submit(lambda: self._do_bridge(call_id, leg_id))

    def attach_media(self, call_id: str, source: FrameSource, inbound: bool = True,
                     for_call: str = "") -> None:
        """Give a non-SIP call (GSM) a port in the conference bridge."""
        self._submit(lambda: self._do_attach(call_id, source, inbound, for_call))

    def detach_media(self, call_id: str) -> None:
        self._submit(lambda: self._end_leg(call_id))

    def status(self) -> list[dict]:
        cap = self.capacity()
        state = ("busy" if cap.used else "up") if self.alive() else "down"  # as its lamp shows
        lines = [{"name": self.settings.name, "kind": "sip", "state": state,
                  "calls": cap.used, "capacity": cap.total, "library_calls": self.library_calls(),
                  "listen": f"{self.settings.host}:{self.settings.port}", **self.guard.stats()}]
        for trunk in self.settings.trunks:
            lines.append({"name": trunk.name, "kind": "sip",
                          "state": self._trunk_state.get(trunk.name, "unregistered"),
                          "registrar": trunk.registrar})
        return lines

    def bans(self) -> list[dict]:
        """Sources the guard has banned (control action ``sip_bans``)."""
        return self.guard.bans()

    def unban(self, address: str) -> bool:
        """Lift a ban (control action ``sip_unban``); True if there was one."""
        return self.guard.unban(address)

    def library_calls(self) -> int:
        """Calls pjsua itself holds: equal to ``capacity().used`` unless a slot leaked."""
        lib = self._lib
        return int(lib.pjsua_call_get_count()) if lib is not None and self._ep is not None else 0

    # ----------------------------------------------------------- engine thread
    def _submit(self, fn: Callable[[], None]) -> None:
        self._commands.put(fn)

    def _run(self) -> None:
        try:
            self._init_library()
        except BaseException as exc:  # report to start(), never leave it waiting
            self._error = exc
            log.exception("SIP engine failed to start")
            self._ready.set()
            return
        self.heartbeat = self._clock()
        self._ready.set()
        try:
            while not self._stopping.is_set():
                self._ep.libHandleEvents(self.settings.poll_ms)
                self._drain_commands()
                self._graveyard.sweep()
                self._publish_line_state()
                self.heartbeat = now = self._clock()
                if now >= self._next_sweep:
                    self._next_sweep = now + 1.0
                    self._sweep(now)
        finally:
            self._shutdown_library()

    def _publish_line_state(self) -> None:
        """The SIP line lamp: on while any call is up (cheap: a bool per loop turn)."""
        busy = any(not leg.ended and leg.call is not None for leg in self._legs.values())
        if busy != self._line_busy:
            self._line_busy = busy
            self._publish(ev.LineStateChanged(line=self.settings.name, kind="sip",
                                              state="busy" if busy else "idle"))

    def _drain_commands(self) -> None:
        for _ in range(256):  # bounded so events keep flowing under a command storm
            try:
                fn = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                fn()
            except Exception:
                log.exception("SIP command failed")

    def _init_library(self) -> None:
        ep = pjobjects.EngineEndpoint(self)
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.userAgent = self.settings.user_agent
        # Ask for a huge number: pjsua clamps it to its compiled PJSUA_MAX_CALLS.
        cfg.uaConfig.maxCalls = self.settings.max_calls or 100000
        cfg.medConfig.noVad = True
        # Every line the box has is 8 kHz (G.711, GSM PCM): a 16 kHz bridge only costs CPU.
        cfg.medConfig.clockRate = 8000
        cfg.medConfig.sndClockRate = 8000
        cfg.medConfig.ecTailLen = 0  # no echo canceller: nothing local to cancel
        self._log_writer = _PjLogWriter()
        cfg.logConfig.writer = self._log_writer
        # The writer only receives what passes consoleLevel: 0 would silence pjsua entirely.
        cfg.logConfig.level = cfg.logConfig.consoleLevel = 5 if self.settings.log_wire else 3
        cfg.logConfig.decor = 0  # the logging module adds time and level
        cfg.logConfig.msgLogging = self.settings.log_wire
        ep.libInit(cfg)
        self._ep = ep
        self._lib = ctypes.CDLL(pj._pjsua2.__file__)
        self.budget = SlotBudget(self._library_max_calls(cfg.uaConfig.maxCalls),
                                 self.settings.reserve_dispatcher_slot)
        policy = self.guard.policy
        rate = policy.call_rate_per_s or socket_call_rate(self.budget.total)
        self.guard.set_call_rate(rate, policy.call_burst or max(1, int(rate)))
        # Before any transport exists: no request reaches pjsua unjudged.
        self._filter = RequestFilter(pj._pjsua2.__file__, self.on_request)
        self._filter.install()
        tcfg = pj.TransportConfig()
        tcfg.port = self.settings.port
        tcfg.boundAddress = self.settings.host
        tcfg.publicAddress = self.settings.public_address
        ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
        ep.libStart()
        ep.audDevManager().setNullDev()  # the box has no sound card; the bridge needs a clock
        narrowband_codecs(ep)
        self._create_accounts()
        log.info("SIP engine listening on %s:%s, %d call slots (pjsua2 %s)", self.settings.host,
                 self.settings.port, self.budget.total, ep.libVersion().full)

    def _library_max_calls(self, asked: int) -> int:
        try:
            return int(self._lib.pjsua_call_get_max_count())
        except (OSError, AttributeError):
            return asked

    def _account_config(self, uri: str) -> Any:
        acfg = pj.AccountConfig()
        acfg.idUri = uri
        acfg.mediaConfig.transportConfig.port = self.settings.rtp_port
        acfg.mediaConfig.transportConfig.boundAddress = self.settings.host
        acfg.mediaConfig.transportConfig.publicAddress = self.settings.public_address
        # Say which address family media uses. Left to pjsua, every outgoing call looks up
        # the box's own host name for IPv6 first (pj_gethostip): on an office LAN without
        # DNS that blocks the SIP thread for the resolver's 5 s timeout per dispatcher leg.
        acfg.mediaConfig.ipv6Use = (pj.PJSUA_IPV6_ENABLED_USE_IPV6_ONLY if ":" in self.settings.host
                                    else pj.PJSUA_IPV6_DISABLED)
        return acfg

    def _create_accounts(self) -> None:
        local = pjobjects.EngineAccount(self, self.settings.name)
        local.create(self._account_config(f"sip:callbox@{self.settings.host}:{self.settings.port}"), True)
        self._accounts.append(local)
        for trunk in self.settings.trunks:
            registrar = registrar_uri(trunk.registrar)
            domain = registrar.split(":", 1)[1].split(";")[0].rsplit("@", 1)[-1]
            acfg = self._account_config(f"sip:{trunk.username}@{domain}")
            acfg.regConfig.registrarUri = registrar
            cred = pj.AuthCredInfo("digest", "*", trunk.username, 0, trunk.password)
            acfg.sipConfig.authCreds.append(cred)
            acc = pjobjects.EngineAccount(self, trunk.name)
            acc.create(acfg)
            self._accounts.append(acc)

    def _shutdown_library(self) -> None:
        ep = self._ep
        if ep is None:
            return
        try:
            ep.hangupAllCalls()
            deadline = time.monotonic() + 1.0
            while any(not leg.ended for leg in self._legs.values() if leg.call) \
                    and time.monotonic() < deadline:
                ep.libHandleEvents(10)
        except Exception:
            log.exception("error while hanging up calls at shutdown")
        for leg in list(self._legs.values()):
            self._release(leg)
        self._legs.clear()
        self._graveyard.clear()
        for acc in self._accounts:
            acc.shutdown()
        self._accounts.clear()
        ep.libDestroy(getattr(pj, "PJSUA_DESTROY_NO_NETWORK", 0))
        self._ep = None
        self._filter = None  # only now: the endpoint held pointers into it until destroyed
        log.info("SIP engine stopped")

    # ----------------------------------------------------- callbacks (engine thread)
    def on_incoming(self, account: Any, pj_call_id: int, src_address: str) -> None:
        # The guard (prefilter.py) already admitted this INVITE; this re-check only
        # catches a slot taken meanwhile by an outbound leg in the same loop turn.
        call_id = uuid.uuid4().hex
        call = pjobjects.EngineCall(self, account, call_id, pj_call_id)
        leg = Leg(call_id, call, inbound=True, watch=CallWatch(self.settings.limits,
                                                               self._clock(), inbound=True))
        leg.extra["line"] = self._line_for(src_address.rsplit(":", 1)[0])  # a trunk's, or ours
        self._legs[call_id] = leg
        info = call.getInfo()  # before any hangup: a rejected call's object dies in its callback
        caller_raw, callee = user_of_uri(info.remoteUri), user_of_uri(info.localUri)
        caller = to_e164(caller_raw, self.settings.country)
        in_use = self.capacity().used - 1  # the new call already holds a slot
        if not self.budget.admit_sip_caller(in_use, self._callers_without_leg(exclude=call_id)):
            leg.extra["rejected"] = True
            self.guard.count("call slots")
            log.warning("call_id=%s rejected 486 from %s: all call slots busy", call_id, src_address)
            self._reject_record(call_id, account.name, caller_raw, callee, 486, "all call slots busy")
            self._hangup_call(leg, 486)
            return
        self._answer_call(call, 200)
        leg.answered = True
        leg.watch.answered(self._clock())
        self._publish(ev.CallOffered(call_id=call_id, line=leg.extra["line"], kind="sip",
                                     caller=caller,
                                     caller_raw=caller_raw, callee=callee,
                                     remote_uri=info.remoteUri,
                                     source=src_address.rsplit(":", 1)[0]))
        self._publish(ev.CallAnswered(call_id=call_id))

    def _callers_without_leg(self, exclude: str = "") -> int:
        served = {leg.for_call for leg in self._legs.values() if not leg.inbound and not leg.ended}
        return sum(1 for leg in self._legs.values()
                   if leg.inbound and not leg.ended and leg.leg_id != exclude
                   and leg.leg_id not in served and not leg.extra.get("rejected"))

    def on_library_rejected(self, code: int, reason: str, remote: str, local: str) -> None:
        log.warning("INVITE from %s refused by pjsua: %s %s", remote, code, reason)
        self.guard.count(f"library {code}")
        if code in (486, 503):  # the call limit: a caller turned away. Garbage is only counted.
                self._reject_record(uuid.uuid4().hex, self.settings.name, user_of_uri(remote),
                                user_of_uri(local), code, reason or "call limit")

    def on_reg_state(self, trunk: str, code: int, reason: str, expiration: int) -> None:
        state = "up" if code // 100 == 2 and expiration > 0 else "unregistered"
        if self._trunk_state.get(trunk) != state:
            self._trunk_state[trunk] = state
            self._publish(ev.LineStateChanged(line=trunk, kind="sip", state=state,
                                              detail=f"{code} {reason}"))

    def on_call_state(self, leg_id: str, prm: Any = None) -> None:
        leg = self._legs.get(leg_id)
        if leg is None or leg.ended:
            return
        info = leg.call.getInfo()
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self._on_disconnected(leg, info.lastStatusCode, info.lastReason)
            return
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED and leg.watch is not None:
            leg.watch.confirmed = True
        elif info.state == pj.PJSIP_INV_STATE_CONNECTING and leg.inbound and prm is not None:
            self._remember_dialog(leg, prm)
        if not leg.inbound:
            if info.state == pj.PJSIP_INV_STATE_CONFIRMED and not leg.answered:
                leg.answered = True
                self._publish(ev.LegAnswered(leg_id=leg_id))
            elif info.state == pj.PJSIP_INV_STATE_EARLY and not leg.ringing:
                leg.ringing = True
                self._publish(ev.LegRinging(leg_id=leg_id))

    def _on_disconnected(self, leg: Leg, code: int, reason: str) -> None:
        # pjsua2 keeps a Call's slot id after DISCONNECTED and pjsua hands the slot to the
        # next INVITE: a Call object destroyed later would hang up that NEW call
        # (Call::~Call → hangup). So the object dies now, inside this callback, which is
        # what pjsua2 allows ("the call may have been deleted by the application").
        self._end_leg(leg.leg_id)
        self._forget(leg.leg_id)
        reason = leg.extra.get("cause", reason)
        if leg.extra.get("rejected"):
            return
        if leg.inbound:
            self._publish(ev.CallHungUp(call_id=leg.leg_id, code=int(code), reason=reason))
        else:
            self._publish(ev.LegEnded(leg_id=leg.leg_id, code=int(code), reason=reason))

    def on_dtmf(self, leg_id: str, digit: str, method: str) -> None:
        leg = self._legs.get(leg_id)
        if leg is not None and not leg.ended:
            self._publish(ev.DtmfReceived(call_id=leg_id, digit=digit, method=method))

    # ---------------------------------------------------------- commands
    def _answer_call(self, call: Any, code: int) -> None:
        prm = pj.CallOpParam()
        prm.statusCode = code
        call.answer(prm)

    def _hangup_call(self, leg: Leg, code: int) -> None:
        prm = pj.CallOpParam()
        if code:
            prm.statusCode = code
        try:
            leg.call.hangup(prm)
        except pj.Error as exc:  # already gone: the DISCONNECTED callback tidies up
            log.debug("hangup %s: %s", leg.leg_id, exc.info())

    def _do_hangup(self, leg_id: str, code: int) -> None:
        leg = self._legs.get(leg_id)
        if leg is None or leg.ended:
            return
        leg.extra["local_hangup"] = True
        if leg.call is None:
            self._end_leg(leg_id)
            return
        self._hangup_call(leg, code if (code and not leg.answered) else 0)

    def _do_originate(self, leg_id: str, uri: str, caller_id: str, for_call: str) -> None:
        used = self.capacity().used
        if not self.budget.allow_leg(used, self._callers_without_leg(exclude=for_call)):
            self._publish(ev.LegEnded(leg_id=leg_id, code=503, reason="no call slot free"))
            return
        try:
            account, uri, line = self._dial_target(uri)  # trunk:<name>/<number> (trunks.py)
        except LookupError as exc:
            self._publish(ev.LegEnded(leg_id=leg_id, code=404, reason=str(exc)))
            return
        call = pjobjects.EngineCall(self, account, leg_id)
        leg = Leg(leg_id, call, inbound=False, for_call=for_call, extra={"line": line},
                  watch=CallWatch(self.settings.limits, self._clock(), inbound=False))
        self._legs[leg_id] = leg
        prm = pj.CallOpParam(True)
        if caller_id:
            header = pj.SipHeader()
            header.hName, header.hValue = "X-Callbox-Caller", caller_id
            prm.txOption.headers.append(header)
        try:
            call.makeCall(uri, prm)
        except pj.Error as exc:
            log.warning("leg_id=%s cannot call %s: %s", leg_id, uri, exc.info())
            self._end_leg(leg_id)
            self._publish(ev.LegEnded(leg_id=leg_id, code=exc.status or 500, reason=exc.reason))

    def _end_leg(self, leg_id: str) -> None:
        leg = self._legs.get(leg_id)
        if leg is None or leg.ended:
            return
        leg.ended = True
        self._stop_player(leg)
        # The call's conference port goes away with its media, and with it every
        # connection to the peer: disconnecting here could race that removal.
        self._submit(lambda: self._forget(leg_id))

    def _forget(self, leg_id: str) -> None:
        leg = self._legs.pop(leg_id, None)
        if leg is not None:
            self._release(leg)

    def _release(self, leg: Leg) -> None:
        self._stop_player(leg)
        self._paths = {p for p in self._paths if leg.leg_id not in p}
        # A media port leaves after this loop turn (its conference removal is queued);
        # a Call object goes now — see _on_disconnected.
        if leg.port is not None:
            self._graveyard.append(leg.port)
        leg.media = leg.port = leg.call = None

