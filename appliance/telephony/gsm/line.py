"""A GSM modem as a Line: calls, SMS, USSD, health and recovery for one modem.

Threads: the AT channel's reader (frames lines, matches URCs, posts work), this
line's worker (the only one that sends AT commands; runs the call machine, SMS,
USSD, pings and the recovery ladder), and two audio threads while a call is up.
Every public method returns at once; results come back as events.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable

from appliance.config.model import GsmConfig
from appliance.errors import ModemError
from appliance.events import AlarmCleared, AlarmRaised, Clock, Event, LegEnded
from appliance.store.messages import MessageStore
from appliance.telephony.gsm import causes
from appliance.telephony.gsm import init as modem_init
from appliance.telephony.gsm import profiles
from appliance.telephony.gsm.audio import FdAudioStream, StreamFrameSource, alsa_stream
from appliance.telephony.gsm.callflow import (
    CAUSE_BUSY, CAUSE_TEMPORARY, CallFlow, CallHooks, CallTiming,
)
from appliance.telephony.gsm.channel import AtChannel, PortLost
from appliance.telephony.gsm.dtmf import DtmfDetector
from appliance.telephony.gsm.health import HealthTracker
from appliance.telephony.gsm.linurcs import LineUrcs
from appliance.telephony.gsm.power import PowerHook, make_power_hook
from appliance.telephony.gsm.recovery import Ladder, Step, recover
from appliance.telephony.gsm.sms import SmsService
from appliance.telephony.gsm.ussdflow import UssdFlow
from appliance.telephony.gsm.worker import Worker
from appliance.telephony.ports import FrameSource

log = logging.getLogger("callbox.gsm.line")


@dataclass(frozen=True)
class GsmTiming:
    """Every interval the line keeps; tests shrink them instead of sleeping."""
    command_timeout: float = 5.0  # a command that names no timeout of its own
    command_timeout_cap: float = 60.0  # the longest any command may take (ATD, AT+CMGS)
    ping_every: float = 15.0
    ping_timeout: float = 3.0
    health_every: float = 60.0
    clip_wait: float = 1.0  # after RING, how long +CLIP may take before "withheld"
    dial_timeout: float = 60.0
    clcc_poll_every: float = 1.0  # outbound progress on modems that report none
    atd_hold_min: float = 3.0  # an ATD OK held this long came at answer (generic modems)
    ring_gap: float = 8.0  # no RING for this long: the caller hung up while it rang
    ussd_timeout: float = 30.0
    ussd_release_grace: float = 3.0  # a "+CUSD: 2" text waits this long for the real answer
    balance_first_after: float = 30.0  # the first balance USSD after start
    reset_settle: float = 3.0  # after AT+CFUN=1,1 / a power cycle, before looking for the port
    port_wait: float = 40.0  # ... and how long the port may take to come back
    alarm_retry_every: float = 300.0
    pin_ready_grace: float = 15.0  # a +CPIN: READY this soon after our PIN is no reboot
    partial_sms_timeout: float = 1800.0  # a multipart part alone this long: "incomplete"
    init: modem_init.InitTiming = field(default_factory=modem_init.InitTiming)


def default_serial_factory(port: str, **kw):
    import serial  # pyserial; imported here so the simulator-only demo starts anywhere

    return serial.Serial(port, **kw)


class GsmLine(CallHooks):
    kind = "gsm"

    def __init__(self, cfg: GsmConfig, publish: Callable[[Event], None],
                 serial_factory: Callable[..., object] = default_serial_factory,
                 clock: Clock | None = None, *, store: MessageStore | None = None,
                 power_hook: PowerHook | None = None, timing: GsmTiming | None = None,
                 region: str = "IR"):
        self.name = cfg.name
        self.cfg = cfg
        self._publish = publish
        self._serial_factory = serial_factory
        self._clock = clock or Clock()
        self.timing = timing or GsmTiming()
        self._store = store or MessageStore(":memory:")
        self._power = power_hook if power_hook is not None else make_power_hook(cfg.power_hook)
        self._worker = Worker(cfg.name, self._clock)
        self.health = HealthTracker(cfg.name, publish)
        self._ladder = Ladder(self._power is not None)
        self._guard = modem_init.PinGuard()
        self.profile = profiles.get(cfg.profile) if cfg.profile != "auto" else None
        self._chan: AtChannel | None = None
        self._ready = False
        self._recovering = False
        self._stop = threading.Event()
        # Set once the first bring-up has finished, well or badly: READY=1 waits for it.
        self.settled = threading.Event()
        self._pin_entered_at = float("-inf")
        self._media: StreamFrameSource | None = None
        self._media_call = ""
        t = self.timing
        self.calls = CallFlow(cfg.name, publish, self._worker, self.command, region, self,
                              CallTiming(t.clip_wait, t.dial_timeout, t.clcc_poll_every,
                                         t.atd_hold_min, t.ring_gap), self._clock.monotonic)
        self.sms = SmsService(cfg.name, publish, self._store, region)
        self.ussd_flow = UssdFlow(self, self._store, self._worker)
        self._urcs = LineUrcs(self)

    # -- Line port ------------------------------------------------------------------------
    def start(self) -> None:
        self._worker.start()
        self._worker.post(self._bring_up)

    def stop(self) -> None:
        self._stop.set()
        if not self._worker.running:
            self._close_channel()
            return
        done = threading.Event()
        self._worker.post(lambda: (self._shutdown(), done.set()))
        if not done.wait(5.0):
            self._close_channel()  # the worker is stuck in a command: cut it loose
        self._worker.stop()

    def answer(self, call_id: str) -> None:
        self._post_call(call_id, "answer")

    def reject(self, call_id: str, code: int, reason: str) -> None:
        self._post_call(call_id, "reject", code=code or 21,
                        reason=reason or causes.call_cause(21))

    def hangup(self, call_id: str, code: int = 0) -> None:
        chan = self._chan
        if chan is not None and self.calls.owns(call_id):
            self.calls.aborting = True
            chan.abort_call_command()  # an ATD waiting for the answer: stop it now
        self._post_call(call_id, "hangup", code=code or 16, reason=causes.BOX_HUNG_UP)

    def originate(self, leg_id: str, number: str) -> None:
        self._worker.post(lambda: self._originate(leg_id, number))

    def media(self, call_id: str) -> FrameSource | None:
        media = self._media
        return media if media is not None and self._media_call == call_id else None

    def status(self) -> dict:
        out = self.health.status(self.name)
        out["profile"] = self.profile.name if self.profile else self.cfg.profile
        return out

    # -- SMS and USSD -------------------------------------------------------------------------
    def send_sms(self, number: str, text: str) -> int:
        """Queue an SMS; returns its message id (store status: sending → sent → delivered)."""
        mid, parts = self.sms.prepare(number, text)
        self._worker.post(lambda: self._send_sms(mid, parts))
        return mid

    def ussd(self, code: str) -> Future:
        """Send a USSD request (``*100#``); the Future resolves to the reply text."""
        return self.ussd_flow.request(code)

    # -- commands (worker thread) -------------------------------------------------------------
    def command(self, cmd: str, timeout: float | None = None, **kw) -> list[str]:
        chan = self._chan
        if chan is None:
            raise PortLost(f"{self.name}: no port open")
        limit = min(timeout or self.timing.command_timeout, self.timing.command_timeout_cap)
        if cmd.startswith("ATD") and timeout:
            limit = timeout  # held until the far end answers on some modems: dial_timeout
        return chan.command(cmd, limit, **kw)

    def post(self, fn: Callable[[], None]) -> None:
        self._worker.post(fn)

    @property
    def ready(self) -> bool:
        return self._ready

    def _post_call(self, call_id: str, name: str, **data) -> None:
        def run() -> None:
            if self.calls.owns(call_id):
                self.calls.fire(name, **data)
            else:
                log.info("%s for unknown call line=%s call_id=%s", name, self.name, call_id)
        self._worker.post(run)

    def _originate(self, leg_id: str, number: str) -> None:
        if not self._ready or self.calls.machine.busy:
            code, why = (CAUSE_BUSY, causes.LINE_BUSY) if self._ready else \
                (CAUSE_TEMPORARY, causes.LINE_DOWN)
            self._publish(LegEnded(leg_id=leg_id, code=code, reason=why))
            return
        self.calls.fire("dial", leg_id=leg_id, number=number)

    def _send_sms(self, mid: int, parts) -> None:
        try:
            self.sms.send(self.command, mid, parts)
        except ModemError:
            pass  # recorded as failed in the store; the ping notices a dead modem

    # -- CallHooks ---------------------------------------------------------------------------
    def busy(self, busy: bool) -> None:
        self.health.update(busy=busy)

    def hangup_command(self) -> str:
        return (self.profile or profiles.GENERIC).hangup

    def answer_by(self) -> str:
        return (self.profile or profiles.GENERIC).answer_by

    def waiting(self, caller: str) -> None:
        self.health.update(waiting=caller)

    def audio(self, call_id: str, on: bool) -> None:
        profile = self.profile or profiles.GENERIC
        if on:
            for cmd in profile.audio_on:
                self._try(cmd)
            self._media = self._open_media(call_id)
            self._media_call = call_id if self._media else ""
            return
        media, self._media, self._media_call = self._media, None, ""
        if media is not None:
            media.stop()
        if self._chan is not None and self._chan.alive:
            for cmd in profile.audio_off:
                self._try(cmd)

    def _open_media(self, call_id: str) -> StreamFrameSource | None:
        path = self.cfg.audio_port
        if not path:
            return None
        try:
            if path.startswith("alsa:"):
                stream = alsa_stream(path[5:])
            else:
                port = self._serial_factory(path, baudrate=self.cfg.baudrate, timeout=0.05,
                                            write_timeout=0.1)
                stream = FdAudioStream(port) if hasattr(port, "fileno") else port
        except Exception as exc:  # the call goes on without audio rather than not at all
            log.warning("audio port failed line=%s call_id=%s error=%s", self.name, call_id, exc)
            return None
        tap = None
        if (self.profile or profiles.GENERIC).dtmf == "inband":
            tap = DtmfDetector(lambda digit: self._worker.post(
                lambda: self.calls.fire("dtmf", digit=digit, method="inband"))).feed
        media = StreamFrameSource(stream, name=self.name, on_rx=tap)
        media.start()
        return media

    def _try(self, cmd: str) -> None:
        try:
            self.command(cmd)
        except ModemError as exc:
            log.warning("command failed line=%s cmd=%s error=%s", self.name, cmd, exc)

    # -- bring-up, periodic checks ------------------------------------------------------------
    def _bring_up(self) -> None:
        try:
            if not self.reopen_and_init():
                self._recover("modem not answering at start", first=Step.RESET)
        finally:
            self.settled.set()
        self._worker.call_later(self.timing.ping_every, self._tick)
        self._worker.call_later(min(5.0, self.timing.health_every), self._refresh)
        if self.cfg.balance_ussd:
            self._worker.call_later(self.timing.balance_first_after, self._balance)
        self._worker.call_later(self._sweep_every, self._sweep_partial)

    @property
    def _sweep_every(self) -> float:
        return min(60.0, self.timing.partial_sms_timeout / 4)

    def _sweep_partial(self) -> None:
        if self._stop.is_set():
            return
        self._worker.call_later(self._sweep_every, self._sweep_partial)
        self.sms.expire_partial(self.timing.partial_sms_timeout)

    def _tick(self) -> None:
        if self._stop.is_set():
            return
        self._worker.call_later(self.timing.ping_every, self._tick)
        if self._recovering or self._ladder.alarmed or self._chan is None:
            return
        try:
            self.command("AT", timeout=self.timing.ping_timeout)
        except ModemError as exc:
            self._recover(f"no answer to AT ping ({exc})")

    def _refresh(self) -> None:
        if self._stop.is_set():
            return
        self._worker.call_later(self.timing.health_every, self._refresh)
        if not self._ready:
            if self.health.current.sim in ("absent", "pin") and not self._ladder.alarmed:
                self.reopen_and_init()  # a SIM may have been inserted
            return
        self._poll_health()

    def _poll_health(self) -> None:
        if not self._ready:
            return
        try:
            self.health.update(signal_dbm=modem_init.query_signal(self.command),
                               registration=modem_init.query_registration(self.command),
                               operator=modem_init.query_operator(self.command))
        except ModemError as exc:
            log.info("health poll failed line=%s error=%s", self.name, exc)

    def refresh_health(self) -> None:
        """Poll signal, registration and operator now (the page's refresh; tests)."""
        self._worker.post(self._poll_health)

    def _balance(self) -> None:
        if self._stop.is_set():
            return
        every = self.cfg.balance_every_min * 60
        if every > 0:
            self._worker.call_later(every, self._balance)
        if self._ready and not self.calls.machine.busy:
            self.ussd_flow.start(self.cfg.balance_ussd, Future())

    # -- recovery (LineOps) -------------------------------------------------------------------
    def on_port_lost(self, exc: Exception, chan: AtChannel) -> None:
        """Reader thread: the port failed (unplugged, powered off)."""
        def run() -> None:
            if chan is self._chan:  # not a channel that recovery already replaced
                self._recover(f"port lost: {exc}")
        if not self._stop.is_set():
            self._worker.post(run)

    def on_reboot_urc(self, line: str) -> None:
        """Reader thread: the modem announced a (re)start."""
        if not self._ready or self._recovering:
            return  # our own init, reset or power cycle
        if line.startswith("+CPIN: READY") and \
                self._clock.monotonic() - self._pin_entered_at < self.timing.pin_ready_grace:
            return  # the answer to the PIN we just entered
        self._ready = False
        self._worker.post(lambda: self._recover(f"modem restarted ({line})", first=Step.REOPEN))

    def _recover(self, reason: str, first: Step | None = None) -> None:
        if self._recovering or self._stop.is_set():
            return
        self._recovering, self._ready = True, False
        if first is not Step.RESET:
            self._close_channel()  # a hung port would stall the hangup of the call below
        self.health.update(port="down")
        self._drop_call(reason)
        try:
            ok = recover(self._ladder, self, reason, first)
        finally:
            self._recovering = False
        if not ok and not self._stop.is_set():
            self._worker.call_later(self.timing.alarm_retry_every, self._alarm_retry)

    def _alarm_retry(self) -> None:
        if self._stop.is_set() or not self._ladder.alarmed:
            return
        if self.reopen_and_init() and self._ready:
            self._ladder.succeeded()
            self.health.update(alarm="")
            self._publish(AlarmCleared(source=f"gsm:{self.name}"))
        else:
            self._worker.call_later(self.timing.alarm_retry_every, self._alarm_retry)

    def _drop_call(self, reason: str) -> None:
        if self.calls.machine.busy:
            self.calls.fire("lost", code=CAUSE_TEMPORARY, reason=reason)

    def reopen_and_init(self) -> bool:
        """True when the modem answers (even if its SIM then stops the line)."""
        self._ready = False
        self._close_channel()
        try:
            port = self._serial_factory(self.cfg.port, baudrate=self.cfg.baudrate,
                                        rtscts=self.cfg.rtscts, timeout=0.1, write_timeout=2.0)
        except Exception as exc:  # missing device node, permission, busy
            log.warning("cannot open port line=%s port=%s error=%s", self.name, self.cfg.port, exc)
            self.health.update(port="down")
            return False
        chan = AtChannel(port, self._urcs.table(), lambda exc: self.on_port_lost(exc, chan),
                         self.name)
        self._chan = chan
        chan.start()
        return self._run_init()

    def _run_init(self) -> bool:
        try:
            result = modem_init.run_init(self.command, self.cfg.profile, self.cfg.pin, self._guard,
                                         self.timing.init, self._stop.wait, self._pin_entered)
        except modem_init.SimProblem as exc:
            self._sim_problem(exc)
            return True
        except ModemError as exc:
            # The channel stays open: the next rung may still get AT+CFUN=1,1 through.
            log.warning("init failed line=%s error=%s", self.name, exc)
            self.health.update(port="down")
            return False
        self.profile = result.profile
        self.sms.mode = result.sms_mode
        self._urcs.install_profile(result.profile)
        self.health.update(port="up", sim=result.sim, registration=result.registration,
                           signal_dbm=result.signal_dbm, operator=result.operator)
        self._ready = True
        try:
            self.sms.read_stored(self.command)
        except ModemError as exc:
            log.warning("reading stored SMS failed line=%s error=%s", self.name, exc)
        return True

    def _pin_entered(self) -> None:
        self._pin_entered_at = self._clock.monotonic()

    def _sim_problem(self, exc: modem_init.SimProblem) -> None:
        log.error("SIM problem line=%s sim=%s: %s", self.name, exc.sim, exc)
        self.health.update(port="up", sim=exc.sim)
        if isinstance(exc, modem_init.PinRejected) or exc.sim == "puk":
            self.raise_alarm(str(exc))

    def send_reset(self) -> bool:
        chan = self._chan
        if chan is None or not chan.alive:
            return False
        try:
            self.command((self.profile or profiles.GENERIC).reset)
        except ModemError as exc:
            log.warning("reset command failed line=%s error=%s", self.name, exc)
            return False
        self._close_channel()
        return True

    def power_cycle(self) -> bool:
        if self._power is None:
            return False
        self._close_channel()
        try:
            self._power.cycle()
        except Exception as exc:  # a relay or sysfs failure: go on to the alarm
            log.error("power cycle failed line=%s error=%s", self.name, exc)
            return False
        return True

    def wait_for_port(self) -> bool:
        if self._stop.wait(self.timing.reset_settle):
            return False
        waited = 0.0
        while not os.path.exists(self.cfg.port):
            if waited >= self.timing.port_wait or self._stop.wait(0.1):
                return False
            waited += 0.1
        return True

    def raise_alarm(self, message: str) -> None:
        self.health.update(alarm=message)
        self._publish(AlarmRaised(source=f"gsm:{self.name}", message=message))

    def _close_channel(self) -> None:
        chan, self._chan = self._chan, None
        if chan is not None:
            chan.close()

    def _shutdown(self) -> None:
        self._drop_call("box shutting down")
        self._close_channel()
        self._ready = False
        self.health.update(port="down")
