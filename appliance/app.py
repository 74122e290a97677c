"""Composition root: ``build()`` wires every object of the core; nothing else does."""

from __future__ import annotations

import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from appliance import __version__, events as ev
from appliance.acd.acd import Acd
from appliance.acd.actions import music_lookup, queue_actions, with_queue_prompts
from appliance.acd.features import EVENT_TYPES as FEATURE_EVENTS, FeatureCodes
from appliance.acd.pauselog import EVENT_TYPES as PAUSE_EVENTS, PauseLog
from appliance.recording.service import EVENT_TYPES as RECORDING_EVENTS, CallRecording
from appliance.recording.store import RecordingStore
from appliance.telephony.sip.recorder import CallRecorder
from appliance.supervision.actions import supervision_actions
from appliance.supervision.conversations import LiveConversations
from appliance.supervision.supervise import EVENT_TYPES as SUPERVISION_EVENTS, Supervision
from appliance.telephony.sip.conference import AudioPaths
from appliance.telephony.sip.refer import ReferNotices
from appliance.transfer.actions import transfer_actions
from appliance.transfer.internal import EVENT_TYPES as INTERNAL_EVENTS, InternalCalls
from appliance.transfer.onhold import EVENT_TYPES as ONHOLD_EVENTS, OnHold
from appliance.transfer.seats import Seats
from appliance.transfer.service import EVENT_TYPES as TRANSFER_EVENTS, Transfers
from appliance.callback import EVENT_TYPES as CALLBACK_EVENTS, Callbacks
from appliance.config.model import Config, GsmConfig
from appliance.control.protocol import socket_path
from appliance.control.server import ControlServer
from appliance.errors import CallboxError, SipEngineMissing
from appliance.i18n import N_
from appliance.flow import CallFlow
from appliance.ivr.direct import direct_queues
from appliance.ivr.night import NightSwitch
from appliance.desk.informer import InformerPorts
from appliance.desk.parts import DeskParts
from appliance.ivr.selfservice import SelfServiceFlow
from appliance.ivr.service import IvrService
from appliance.lamps.board import EVENT_TYPES as LAMP_EVENTS, LampBoard
from appliance.lamps.buttons import ButtonBoard, buttons_from_config
from appliance.lamps.pins import make_pin_factory
from appliance.lamps.specs import lamps_from_config
from appliance.prompts.catalog import PromptSet
from appliance.prompts.uploads import UploadedPrompts
from appliance.prompts.tts import EspeakSynthesizer, default_voice
from appliance.store.calllog import EVENT_TYPES as CALLLOG_EVENTS, CallLog
from appliance.store.db import db_path
from appliance.store.messages import MessageStore
from appliance.telephony.gsm import GsmLine
from appliance.telephony.gsm.power import CallbackPowerHook, make_power_hook
from appliance.telephony.gsm.sim.modem import SimModem
from appliance.system.health import HealthProbe
from appliance.backup.schedule import BackupJob
from appliance.retention.job import RetentionJob
from appliance.retention.purge import RetentionPurge
from appliance.system.health_watch import HealthWatch
from appliance.settings.reload import ConfigReloader
from appliance.system.techtools import TechTools
from appliance.telephony.router import CallRouter
from appliance.routing.lines import LineBoard
from appliance.routing.service import (EVENT_TYPES as OUTBOUND_EVENTS, OutboundRouter,
                                       routes_from_config)
from appliance.telephony.sip.vmrecorder import VoicemailRecorder
from appliance.voicemail.box import VoicemailBox
from appliance.voicemail.store import VoicemailStore
from appliance.telephony.sip.actions import sip_actions
from appliance.telephony.sip.peers import guard_settings

log = logging.getLogger("callbox.core")

SWITCH_INTERVAL_S = 0.0005
MODEM_SETTLE_S = 60.0  # the unit's TimeoutStartSec leaves room for it


def split_hostport(text: str, default_port: int) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host or "0.0.0.0"), int(port or default_port)


@dataclass
class CoreOptions:
    sip_listen: str | None = None  # overrides [sip] listen (demo, tests)
    pin_factory: Any = None  # a gpiozero factory; None = the one named in config
    poll_ms: int = 5
    log_wire: bool = False
    extra_actions: dict[str, Callable[[dict], Any]] = field(default_factory=dict)
    extra_status: Callable[[], dict] | None = None


class Core:
    """The running core: telephony, IVR, queue, lamps, call log, control socket."""

    def __init__(self, config: Config, data_dir: Path, options: CoreOptions):
        self.config = config
        self.data_dir = Path(data_dir)
        self.options = options
        self.bus = ev.EventBus()
        self.prompts = PromptSet(self.data_dir, with_queue_prompts(config), EspeakSynthesizer())
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="ivr-writer")  # off the bus
        self.calllog = CallLog(db_path(self.data_dir))
        self.messages = MessageStore(db_path(self.data_dir))
        self.sim_modems: dict[str, SimModem] = {}
        self.router = CallRouter(self._sip_settings(), self.bus.publish)
        direct = direct_queues(config)
        self.acd = Acd(config.queue + direct, config.dispatcher, self.router, self.prompts.path,
                       self.bus, time.monotonic, settings=config.acd)
        # One pin factory for lamps and buttons: it is what notices a pin used twice.
        factory = options.pin_factory or make_pin_factory(config.lamps.pin_factory)
        self._wire_ivr(factory, {q.name for q in direct})
        self.outbound = self._outbound_router()
        self.callbacks = Callbacks(self.acd, self.router, self.bus, self.prompts.path,
                                   lines=self.router.lines, country=config.office.country,
                                   outbound=self.outbound)
        self._wire_queue()
        self.lamps = LampBoard(factory, lamps_from_config(config), self.bus.publish)
        self.buttons = ButtonBoard(factory, buttons_from_config(config), self._button_pressed)
        self._add_gsm_lines(factory)
        self.desk = self._desk_parts()
        actions = {"send_sms": self._action_send_sms,
                   "ussd": self._action_ussd, "call_back": self._action_call_back,
                   "ivr_reload": self.ivr.reload, "ivr_status": self.ivr.status,
                   **sip_actions(self.router), **queue_actions(self.acd, self.on_bus),
                   **supervision_actions(self.supervision, self.on_bus),
                   **transfer_actions(self.transfers, self.on_bus),
                   **self.desk.actions.actions(), **self._tech_tools().actions(),
                   "config_reload": self._reloader().reload,
                   **options.extra_actions}
        self.control = ControlServer(socket_path(self.data_dir), self.status, actions)
        self.alarms: dict[str, ev.AlarmRaised] = {}
        self.health = HealthWatch(HealthProbe(self.data_dir), self.bus.publish)
        self.retention = RetentionJob(RetentionPurge(self.data_dir, config.retention))
        self.backups = BackupJob(self.data_dir, config.backup, self._backup_done)
        self._wire()

    def _wire_ivr(self, factory: Any, direct: set[str]) -> None:
        """IVR (tree in force, night switch), voicemail and self-service around the flow."""
        cfg, publish = self.config, self.bus.publish
        self.night_switch = NightSwitch(factory, cfg.ivr.night_switch,
                                        lambda on: publish(ev.SettingChanged("night_switch", on)))
        port = self._self_service_port()
        self.ivr = IvrService(cfg, self.data_dir, self.prompts, publish, self.night_switch,
                              self_service=port is not None)
        self.voicemail = VoicemailBox(self.router, VoicemailRecorder(lambda: self.router.engine),
                                      self.prompts.path, self.bus, VoicemailStore(self.data_dir),
                                      self.writer.submit, max_s=cfg.voicemail.max_s,
                                      min_s=cfg.voicemail.min_s,
                                      office_language=cfg.office.language)
        self.flow = CallFlow(self.ivr.tree, self.acd, self.router, self.prompts.path, self.bus,
                             voicemail=self.voicemail, night=self.ivr.night, direct=direct)
        if port is not None:
            synth, voice = EspeakSynthesizer(), cfg.prompts.voice or default_voice(
                cfg.office.language)
            self.flow.selfservice = SelfServiceFlow(
                port, lambda text, out: synth.synthesize(text, voice, out), self.router,
                self.bus, self.writer.submit, self.flow.start_menu,
                self.data_dir / "prompts" / "calls", cfg.office.language)

    def _wire_queue(self) -> None:
        """Queue extras: hold music, callbacks keeping their place, voicemail on overflow,
        feature codes, pause log."""
        lang, bus = self.config.office.language, self.bus
        uploads = UploadedPrompts(self.data_dir)
        self.acd.music = music_lookup(self.config.queue, lambda key: uploads.path(lang, key),
                                      self.prompts.path)
        self.acd.callbacks = self.callbacks
        self.acd.router = lambda call_id, queue: self.flow.take_voicemail(
            call_id, queue=queue, reason="overflow")
        self.features = FeatureCodes(self.acd, self.router, self.prompts.path, bus,
                                     enabled=self.config.acd.feature_codes)
        self.flow.features = self.features
        self.pauselog = PauseLog(db_path(self.data_dir))
        bus.subscribe(self.acd.offered, (ev.CallOffered,))
        bus.subscribe(self.features.handle, FEATURE_EVENTS)
        bus.subscribe(self.acd.on_digit, (ev.DtmfReceived,))
        bus.subscribe(self.acd.forget, (ev.CallEnded,))
        bus.subscribe(self.pauselog.handle, PAUSE_EVENTS)
        store = RecordingStore(self.data_dir, db_path(self.data_dir))
        self.recording = CallRecording(self.config.queue, self.config.recording,
                                       CallRecorder(lambda: self.router.engine,
                                                    lambda key, path: self.recording.finished(
                                                        key, path)),
                                       store, self.writer.submit)
        bus.subscribe(self.recording.handle, RECORDING_EVENTS)
        self.supervision = Supervision(LiveConversations(self.acd, self.callbacks), self.router,
                                       AudioPaths(lambda: self.router.engine), bus,
                                       self.config.acd.supervisor_phone)
        bus.subscribe(self.supervision.handle, SUPERVISION_EVENTS)
        def music(queue: str) -> str:  # what a caller on hold hears
            return self.acd.music(queue) or self.prompts.path("hold_music")

        self.internal = self.flow.internal = InternalCalls(
            self.acd, self.router, bus, self.features.dispatcher_for, self.prompts.path)
        bus.subscribe(self.internal.handle, INTERNAL_EVENTS)
        self.transfers = self.acd.transfers = Transfers(
            self.acd, self.router, AudioPaths(lambda: self.router.engine), bus,
            lambda queue: self.acd.music(queue) or self.prompts.path("hold_music"),
            ReferNotices(lambda: self.router.engine),
            ringback=lambda: self.prompts.path("ringback"), internal=self.internal,
            callbacks=self.callbacks)
        self.callbacks.transfers = self.transfers
        bus.subscribe(self.transfers.handle, TRANSFER_EVENTS)
        self.onhold = OnHold(Seats(self.acd, self.callbacks), self.router, music,
                             lambda call_id: call_id in self.transfers.active)
        bus.subscribe(self.onhold.handle, ONHOLD_EVENTS)

    def _outbound_router(self) -> OutboundRouter:
        """Calls out (callbacks, the informer) go by [[route]] on a free GSM line or trunk."""
        board = LineBoard(lambda: self.router.lines, lambda: self.router.engine,
                          self.config.sip.trunk)
        return OutboundRouter(routes_from_config(self.config.route), board.snapshot,
                              self.config.office.country, names=board.names)

    def _self_service_port(self) -> Any:
        try:
            from appliance.desk.selfservice import SelfService
        except ImportError:
            log.warning("the desk's self-service is not installed: self_order and "
                        "order_status are not available in the IVR")
            return None
        return SelfService(db_path(self.data_dir), self.config.office.country,
                           city=self.config.desk.city, publish=self.bus.publish)

    def _sip_settings(self):
        from appliance.telephony.sip.engine import SipSettings
        sip = self.config.sip
        host, port = split_hostport(self.options.sip_listen or sip.listen, 5060)
        return SipSettings(host=host, port=port, rtp_port=sip.rtp_port, max_calls=sip.max_calls,
                           public_address=sip.public_address,
                           reserve_dispatcher_slot=sip.reserve_dispatcher_slot,
                           allowed_peers=tuple(sip.allowed_peers), trunks=tuple(sip.trunk),
                           country=self.config.office.country, poll_ms=self.options.poll_ms,
                           log_wire=self.options.log_wire,
                           **guard_settings(sip, host, self.config.dispatcher))

    def _desk_parts(self) -> DeskParts:
        """The desk's core side: caller cards, order events, telling the customer."""
        cfg = self.config
        synth, voice = EspeakSynthesizer(), cfg.prompts.voice or default_voice(cfg.office.language)

        def line_name() -> str | None:
            return cfg.desk.line or next(iter(self.router.lines), None)

        def send_sms(number: str, text: str) -> int:
            name = line_name()
            if not name:
                raise CallboxError(N_("there is no GSM line to send an SMS through"))
            return self.router.lines[name].send_sms(number, text)

        def sms_status(message_id: int) -> str | None:
            return (self.messages.get_message(message_id) or {}).get("status")

        ports = InformerPorts(send_sms=send_sms, gsm_line=line_name,
                              synthesize=lambda text, out: synth.synthesize(text, voice, out),
                              sms_status=sms_status,
                              route=lambda number: self.outbound.route(
                                  number, prefer=cfg.desk.line).uri)
        return DeskParts(cfg, db_path(self.data_dir), self.data_dir / "desk", self.bus,
                         self.router, self.on_bus, ports)

    def _add_gsm_lines(self, pin_factory: Any) -> None:
        country = self.config.office.country
        for gsm in self.config.gsm:
            if gsm.port.startswith("sim:"):  # the built-in modem simulator (demo mode)
                gsm, hook = self._sim_modem(gsm)
            else:
                hook = make_power_hook(gsm.power_hook, pin_factory=pin_factory)
            self.router.add_line(lambda publish, gsm=gsm, hook=hook: GsmLine(
                gsm, publish, store=self.messages, power_hook=hook, region=country))

    def _sim_modem(self, gsm: GsmConfig) -> tuple[GsmConfig, Any]:
        """``port = "sim:quectel"``: a simulated modem behind a pty, opened like a real one."""
        profile = gsm.port[4:] or (gsm.profile if gsm.profile != "auto" else "quectel")
        modem = SimModem(profile, self.data_dir / "modem" / gsm.name, name=gsm.name,
                         pin=gsm.pin).start()
        if gsm.balance_ussd:
            modem.set_ussd_reply(gsm.balance_ussd, "Your balance is 125,000 Rials.")
        self.sim_modems[gsm.name] = modem
        return (replace(gsm, port=modem.port, audio_port=modem.audio_port),
                CallbackPowerHook(modem.power_cycle))

    def _wire(self) -> None:
        # Order matters only for readability: each subscriber is isolated.
        self.bus.subscribe(self.flow.handle)
        self.bus.subscribe(self.callbacks.handle, CALLBACK_EVENTS)
        self.bus.subscribe(self.outbound.handle, OUTBOUND_EVENTS)
        self.bus.subscribe(self.calllog.handle, CALLLOG_EVENTS)
        self.bus.subscribe(self.lamps.handle, LAMP_EVENTS)
        self.bus.subscribe(self.control.handle_event)
        self.bus.subscribe(self._track_alarms, (ev.AlarmRaised, ev.AlarmCleared))

    def _track_alarms(self, event: ev.Event) -> None:
        if isinstance(event, ev.AlarmRaised):
            self.alarms[event.source] = event
        else:
            self.alarms.pop(event.source, None)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        # The pjsua2 thread must not wait Python's default 5 ms for the GIL while the bus
        # or the call-log thread is busy: that wait would show in every SIP answer and
        # every audio frame. 0.5 ms costs a little CPU in switches and is worth it.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.prompts.prepare()  # all prompts exist before the first call: none made per call
        self.voicemail.prepare()
        self.ivr.start()  # callbox.toml's [ivr] or the web's tree; its languages' prompts
        self.calllog.start()
        self.pauselog.start()
        self.recording.start()
        self.bus.start()
        self.desk.start()
        self.control.start()
        self.health.start()
        self.retention.start()
        self.backups.start()
        try:
            self.router.start()
        except SipEngineMissing as exc:
            self.bus.publish(ev.AlarmRaised(source="sip", message=str(exc)))
            log.error("%s — calls are not possible until it is installed", exc)
        for agent in self.acd.agents.values():
            self.bus.publish(ev.DispatcherStateChanged(dispatcher=agent.name,
                                                       state=str(agent.state), previous="offline"))
        log.info("core started: data=%s", self.data_dir)

    def _reloader(self) -> ConfigReloader:
        """Settings saved on the admin page: applied live where the parts allow it."""
        return ConfigReloader(self.data_dir, lambda: self.config,
                              lambda config: setattr(self, "config", config), self.acd,
                              self.on_bus)

    def _tech_tools(self) -> TechTools:
        """The technician's tools page: lamp test, modem identity and power, restart."""
        self.techtools = TechTools(self.data_dir, __version__, lambda: self.router.lines,
                                   self.lamps)
        return self.techtools

    def _backup_done(self, path: Path | None, error: str) -> None:
        """A scheduled backup that failed is an alarm on the health page until one works."""
        if error:
            self.bus.publish(ev.AlarmRaised(
                source="backup", message=f"scheduled backup failed: {error}",
                msgid=N_("The scheduled backup failed: %(error)s"), params={"error": error}))
        elif "backup" in self.alarms:
            self.bus.publish(ev.AlarmCleared(source="backup"))

    def stop(self) -> None:
        self.retention.stop()
        self.backups.stop()
        self.health.stop()
        self.router.stop()
        self.bus.wait_idle(3.0)
        self.control.stop()
        self.desk.stop()
        self.bus.stop()
        self.calllog.stop()
        self.pauselog.stop()
        self.messages.close()
        for modem in self.sim_modems.values():
            modem.stop()
        self.buttons.close()
        self.night_switch.close()
        self.writer.shutdown(wait=True)
        self.lamps.close()
        log.info("core stopped")

    def alive(self) -> bool:
        return self.router.alive()

    def wait_ready(self, timeout: float = MODEM_SETTLE_S) -> list[str]:
        """What READY=1 waits for: SIP listens (``start()`` returned) and every modem has
        finished its first initialisation or failed it — bounded, so a dead modem cannot
        hold the box back. Returns the lines still initialising at the deadline."""
        pending = self.router.wait_settled(timeout)
        if pending:
            log.warning("ready without %s: still initialising after %.0f s", ", ".join(pending), timeout)
        return pending

    # ------------------------------------------------------------ status/actions
    def on_bus(self, fn: Callable[[], Any], timeout: float = 2.0) -> Any:
        """Run ``fn`` on the bus worker (domain state lives there) and return its result."""
        try:
            return self.bus.call(fn, timeout)
        except ev.BusTimeout:
            raise CallboxError(N_("core is busy: no answer from the event bus")) from None

    def status(self) -> dict:
        domain = self.on_bus(lambda: {**self.flow.status(), "transfers": self.transfers.status(),
                                      "internal_calls": self.internal.status(),
                                      "held_calls": sorted(self.onhold.held)})
        queues = [{"name": q["name"], "waiting": q["waiting"]} for q in domain["queues"]]
        return {"office": self.config.office.name, "version": __version__, "lines": self.router.status(),
                "dispatchers": domain["dispatchers"], "queues": queues,
                "in_menu": domain["in_menu"], "lamps": self.lamps.status(),
                "transfers": domain["transfers"], "internal_calls": domain["internal_calls"],
                "held_calls": domain["held_calls"],
                "capacity": self.router.capacity().__dict__,
                "calllog": {**self.calllog.stats(), "kept": self.calllog.kept()},
                "alarms": [{"source": s, "message": a.message, "msgid": a.msgid, "params": a.params}
                           for s, a in self.alarms.items()],
                **(self.options.extra_status() if self.options.extra_status else {})}

    def _gsm_line(self, args: dict) -> Any:
        name = str(args.get("line") or next(iter(self.router.lines), ""))
        line = self.router.lines.get(name)
        if line is None:
            raise CallboxError(N_("no GSM line named %(name)s"), name=name)
        return line

    def _action_send_sms(self, args: dict) -> Any:
        number, text = str(args.get("number", "")).strip(), str(args.get("text", ""))
        if not number or not text:
            raise CallboxError(N_("an SMS needs a number and a text"))
        line = self._gsm_line(args)
        return {"id": line.send_sms(number, text), "line": line.name}

    def _action_ussd(self, args: dict) -> Any:
        line = self._gsm_line(args)
        code = str(args.get("code", "")).strip()
        return {"line": line.name, "request": code, "text": line.ussd(code).result(timeout=30)}

    def _button_pressed(self, dispatcher: str) -> None:
        """A desk button (gpiozero's thread): toggle the dispatcher's pause on the bus."""
        self.bus.call_soon(lambda: self.acd.toggle_pause(dispatcher))

    def _action_call_back(self, args: dict) -> Any:
        """Ring the dispatcher's phone, then call ``number`` (on ``line`` or the first GSM line)."""
        dispatcher = str(args.get("dispatcher") or "").strip()
        number = str(args.get("number") or "").strip()
        if not dispatcher or not number:
            raise ValueError(N_("a callback needs a dispatcher and a number"))
        line = str(args.get("line") or "").strip()
        return {"call_id": self.on_bus(lambda: self.callbacks.start(dispatcher, number, line))}


def build(config: Config, data_dir: Path, options: CoreOptions | None = None) -> Core:
    return Core(config, data_dir, options or CoreOptions())
