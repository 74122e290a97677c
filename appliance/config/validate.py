"""What the values of ``callbox.toml`` mean: every rule that is not a type check.

``loader.py`` builds the dataclasses (types from their annotations); this module
checks URIs, pins, ranges and the references between sections, collecting every
problem so a technician can fix them in one go.
"""

from __future__ import annotations

import ipaddress
import re
import zoneinfo

import phonenumbers

from appliance.config.model import (
    Config, DispatcherConfig, GsmConfig, IvrConfig, OfficeConfig, QueueConfig, SipConfig,
)
from appliance.config.ivrcheck import check_ivr_tree
from appliance.config.routecheck import check_routes

LANGUAGES = ("fa", "ru", "en")
GSM_PROFILES = ("quectel", "simcom", "huawei", "sim800", "auto")
PIN_FACTORIES = ("lgpio", "mock")
STRATEGIES = ("ringall", "longest-idle", "round-robin", "fewest-calls", "skills")
BAUDRATES = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
GPIO_PINS = range(0, 28)  # BCM numbers on the Raspberry Pi header
DTMF_KEYS = "0123456789*#"
NO_PIN = "none"  # TOML has no null: this switches an optional lamp off

# TOML names that differ from the dataclass field names.
_IDENT = re.compile(r"^\w[\w.-]*$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_SIP_URI = re.compile(
    r"^sips?:(?:[^@\s;:]+(?::[^@\s;]*)?@)?(?P<host>\[[^\]\s]*\]|[^\s:;\[\]@]+)"
    r"(?::(?P<port>[^;\s]*))?(?:;\S*)?$", re.IGNORECASE)
_GSM_PIN = re.compile(r"^\d{4,8}$")
_USSD = re.compile(r"^[*#][0-9*#]*#$")
_POWER_HOOK = re.compile(r"^(?:gpio:(?P<pin>\d+)|usb:\d+-\d+(?:\.\d+)*)$")
_EXTENSION = re.compile(r"^\d{1,10}$")


class _Problems:
    """Collects (key, message) pairs while a config is built and checked."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, message: str) -> None:
        # One problem per key: the first (e.g. "missing") explains the rest.
        if all(key != seen for seen, _ in self.items):
            self.items.append((key, message))


def _one_of(value: str, allowed: tuple, key: str, problems: _Problems) -> None:
    if value not in allowed:
        problems.add(key, f"must be one of {', '.join(map(str, allowed))} (got {value!r})")


def _at_least(value: float, low: float, key: str, problems: _Problems) -> None:
    if value < low:
        problems.add(key, f"must be at least {low:g} (got {value:g})")


def _positive(value: float, key: str, problems: _Problems) -> None:
    if value <= 0:
        problems.add(key, f"must be greater than 0 (got {value:g})")


def _ident(value: str, key: str, what: str, problems: _Problems) -> None:
    if not _IDENT.match(value):
        problems.add(key, f"{what} {value!r} must be letters, digits, '_', '-' or '.'")


def _unique(items: list[tuple[str, str]], what: str, problems: _Problems) -> None:
    """``items`` are (key, value); the second use of a value is the problem."""
    seen: dict[str, str] = {}
    for key, value in items:
        if not value:
            continue  # reported as missing or empty already
        if value in seen:
            problems.add(key, f"duplicate {what} '{value}' (also {seen[value]})")
        else:
            seen[value] = key


def host_ok(host: str) -> bool:
    """A host name, an IPv4 address, or an IPv6 address in brackets."""
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
            return True
        except ValueError:
            return False
    if re.fullmatch(r"[\d.]+", host):  # looks numeric: must be a real IPv4 address
        try:
            ipaddress.IPv4Address(host)
            return True
        except ValueError:
            return False
    return bool(_HOSTNAME.match(host))


def _port_problem(text: str) -> str | None:
    if not text.isdigit():
        return f"port {text!r} is not a number"
    if not 1 <= int(text) <= 65535:
        return f"port {int(text)} out of range (1-65535)"
    return None


def _check_listen(value: str, key: str, problems: _Problems) -> None:
    host, sep, port = value.rpartition(":")
    if not sep or not host:
        problems.add(key, f"must be HOST:PORT, e.g. 0.0.0.0:8080 (got {value!r})")
        return
    if not host_ok(host):
        problems.add(key, f"{host!r} is not a host name or IP address "
                          "(write IPv6 addresses in brackets: [::]:5060)")
    if (why := _port_problem(port)) is not None:
        problems.add(key, why)


def sip_uri_problem(uri: str) -> str | None:
    """Why ``uri`` is not a usable SIP URI, or None."""
    match = _SIP_URI.match(uri)
    if not match:
        return f"{uri!r} is not a valid SIP URI (e.g. sip:101@192.168.1.21)"
    if not host_ok(match["host"]):
        return f"{uri!r} is not a valid SIP URI: bad host {match['host']!r}"
    if match["port"] is not None:
        return _port_problem(match["port"])
    return None


# --- checks by section -----------------------------------------------------------

def _validate(cfg: Config, data: dict, problems: _Problems) -> None:
    _check_office(cfg.office, problems)
    _check_listen(cfg.web.listen, "web.listen", problems)
    _positive(cfg.web.session_hours, "web.session_hours", problems)
    _check_sip(cfg.sip, problems)
    _check_gsm(cfg.gsm, problems)
    lines = _check_line_names(cfg, problems)
    check_routes(cfg, problems)
    _check_dispatchers(cfg.dispatcher, problems)
    _check_queues(cfg.queue, cfg.dispatcher, problems)
    _check_queue_extras(cfg, problems)
    _check_ivr(cfg.ivr, cfg.queue, "ivr" in data, problems, {d.name for d in cfg.dispatcher})
    check_ivr_tree(cfg, problems)
    _one_of(cfg.lamps.pin_factory, PIN_FACTORIES, "lamps.pin_factory", problems)
    for name in cfg.lamps.lines:
        if name not in lines:
            problems.add(f"lamps.lines.{name}", f"unknown line '{name}' "
                         f"(lines: {', '.join(sorted(lines))})")
    _check_pins(cfg, problems)
    _check_desk(cfg, problems)
    _check_retention(cfg, problems)
    for name, path in cfg.prompts.custom.items():
        if not path.lower().endswith(".wav"):
            problems.add(f"prompts.custom.{name}", f"must be a .wav file (got {path!r})")


def _check_office(office: OfficeConfig, problems: _Problems) -> None:
    if not office.name.strip():
        problems.add("office.name", "must not be empty")
    _one_of(office.language, LANGUAGES, "office.language", problems)
    try:
        zoneinfo.ZoneInfo(office.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.add("office.timezone",
                     f"{office.timezone!r} is not a valid IANA time zone (e.g. Asia/Tehran)")
    if office.country not in phonenumbers.SUPPORTED_REGIONS:
        problems.add("office.country", f"{office.country!r} is not an ISO 3166 alpha-2 "
                     "country code with a phone numbering plan (e.g. IR, RU, GB)")


def _check_sip(sip: SipConfig, problems: _Problems) -> None:
    _check_listen(sip.listen, "sip.listen", problems)
    for i, trunk in enumerate(sip.trunk):
        if (why := sip_uri_problem(trunk.registrar)) is not None:
            problems.add(f"sip.trunk[{i}].registrar", why)
    for i, peer in enumerate(sip.allowed_peers):
        try:
            ipaddress.ip_network(peer, strict=False)
        except ValueError:
            problems.add(f"sip.allowed_peers[{i}]",
                         f"{peer!r} is not an IP address or network (e.g. 192.168.1.0/24)")
    for i, peer in enumerate(sip.trusted_peers):
        try:
            ipaddress.ip_network(peer, strict=False)
        except ValueError:
            problems.add(f"sip.trusted_peers[{i}]", f"{peer!r} is not an IP address or network")
    for key in ("rate_per_s", "ban_s", "ack_timeout_s", "rtp_timeout_s", "silence_timeout_s",
                "max_call_s", "call_rate_per_s"):
        _at_least(getattr(sip, key), 0, f"sip.{key}", problems)
    for key in ("rate_burst", "strikes_to_ban"):
        _at_least(getattr(sip, key), 1, f"sip.{key}", problems)
    _at_least(sip.rejected_records_per_min, 0, "sip.rejected_records_per_min", problems)
    _at_least(sip.max_calls, 0, "sip.max_calls", problems)
    if not 1 <= sip.rtp_port <= 65535:
        problems.add("sip.rtp_port", f"port {sip.rtp_port} out of range (1-65535)")
    if sip.public_address:
        try:
            ipaddress.ip_address(sip.public_address)
        except ValueError:
            problems.add("sip.public_address", f"{sip.public_address!r} is not an IP address")


def _check_gsm(modems: list[GsmConfig], problems: _Problems) -> None:
    for i, gsm in enumerate(modems):
        key = f"gsm[{i}]"
        if not gsm.port:
            problems.add(f"{key}.port", "must name a serial port (/dev/serial/by-id/...)")
        _one_of(gsm.profile, GSM_PROFILES, f"{key}.profile", problems)
        if gsm.pin and not _GSM_PIN.match(gsm.pin):
            problems.add(f"{key}.pin", "a SIM PIN is 4 to 8 digits")
        _one_of(gsm.baudrate, BAUDRATES, f"{key}.baudrate", problems)
        if gsm.balance_ussd and not _USSD.match(gsm.balance_ussd):
            problems.add(f"{key}.balance_ussd",
                         f"{gsm.balance_ussd!r} is not a USSD code (e.g. *140*11#)")
        _at_least(gsm.balance_every_min, 0, f"{key}.balance_every_min", problems)
        if gsm.balance_every_min and not gsm.balance_ussd:
            problems.add(f"{key}.balance_every_min", "needs balance_ussd")
        if gsm.power_hook and not _POWER_HOOK.match(gsm.power_hook):
            problems.add(f"{key}.power_hook",
                         f"{gsm.power_hook!r} must be gpio:PIN or usb:BUS-PORT (e.g. usb:1-1.2)")


def _check_line_names(cfg: Config, problems: _Problems) -> set[str]:
    """Trunk and modem names share one namespace (the call log's ``line``)."""
    names = [(f"sip.trunk[{i}].name", t.name) for i, t in enumerate(cfg.sip.trunk)]
    names += [(f"gsm[{i}].name", g.name) for i, g in enumerate(cfg.gsm)]
    for key, name in names:
        _ident(name, key, "line name", problems)
    _unique(names, "line name", problems)
    # "sip" is the line of callers that reach [sip] listen directly (no trunk).
    return {name for _, name in names} | {"sip"}


def _check_dispatchers(dispatchers: list[DispatcherConfig], problems: _Problems) -> None:
    for i, d in enumerate(dispatchers):
        key = f"dispatcher[{i}]"
        if not d.name.strip() or d.name != d.name.strip():
            problems.add(f"{key}.name", f"{d.name!r} must be non-empty, without outer spaces")
        if not _EXTENSION.match(d.extension):
            problems.add(f"{key}.extension", f"{d.extension!r} must be digits (e.g. 101)")
        if d.phone == "local":
            problems.add(f"{key}.phone", 'phone = "local" (a headset on the box) is not '
                         "supported: the box's SIP engine has no sound device; give the "
                         "SIP URI of a phone, e.g. sip:101@192.168.1.21")
        elif (why := _phone_problem(d.phone)) is not None:
            problems.add(f"{key}.phone", why)
    _unique([(f"dispatcher[{i}].name", d.name) for i, d in enumerate(dispatchers)],
            "dispatcher name", problems)
    _unique([(f"dispatcher[{i}].extension", d.extension) for i, d in enumerate(dispatchers)],
            "extension", problems)


def _phone_problem(phone: str) -> str | None:
    if not phone.lower().startswith("sip"):
        return f"{phone!r} must be a SIP URI (e.g. sip:101@192.168.1.21)"
    return sip_uri_problem(phone)


def _check_queues(queues: list[QueueConfig], dispatchers: list[DispatcherConfig],
                  problems: _Problems) -> None:
    if not queues:
        problems.add("queue", "at least one [[queue]] is needed")
    names = {d.name for d in dispatchers}
    for i, q in enumerate(queues):
        key = f"queue[{i}]"
        _ident(q.name, f"{key}.name", "queue name", problems)
        _one_of(q.strategy, STRATEGIES, f"{key}.strategy", problems)
        _positive(q.ring_timeout_s, f"{key}.ring_timeout_s", problems)
        _at_least(q.wrapup_s, 0, f"{key}.wrapup_s", problems)
        _positive(q.target_wait_s, f"{key}.target_wait_s", problems)
        _at_least(q.announce_every_s, 0, f"{key}.announce_every_s", problems)
        for j, member in enumerate(q.members):
            if member not in names:
                problems.add(f"{key}.members[{j}]",
                             f"queue '{q.name}' member '{member}' is not a dispatcher")
        _unique([(f"{key}.members[{j}]", m) for j, m in enumerate(q.members)],
                "member", problems)
    _unique([(f"queue[{i}].name", q.name) for i, q in enumerate(queues)], "queue name",
            problems)


def _check_queue_extras(cfg: Config, problems: _Problems) -> None:
    """Skills, overflow and dispatcher-state keys (issue #11: queue)."""
    names = {q.name for q in cfg.queue}
    for i, d in enumerate(cfg.dispatcher):
        for queue, penalty in d.skills.items():
            key = f"dispatcher[{i}].skills.{queue}"
            if queue not in names:
                problems.add(key, f"dispatcher '{d.name}' has a skill for unknown queue '{queue}'")
            elif not 0 <= penalty <= 99:
                problems.add(key, f"penalty must be 0..99 (got {penalty})")
    for i, q in enumerate(cfg.queue):
        key = f"queue[{i}]"
        _at_least(q.max_wait_s, 0, f"{key}.max_wait_s", problems)
        _at_least(q.max_length, 0, f"{key}.max_length", problems)
        kind, _, arg = q.overflow.partition(":")
        if q.overflow not in ("", "voicemail", "callback", "hangup") and not (
                kind == "queue" and arg in names and arg != q.name):
            problems.add(f"{key}.overflow", f"{q.overflow!r} must be queue:OTHER (a known queue), "
                                            "voicemail, callback or hangup")
        if (q.max_wait_s or q.max_length) and not q.overflow:
            problems.add(f"{key}.overflow", "max_wait_s / max_length need an overflow")
        if q.callback_key and (len(q.callback_key) != 1 or q.callback_key not in DTMF_KEYS):
            problems.add(f"{key}.callback_key", f"{q.callback_key!r} is not a key (0-9, *, #)")
    reasons = cfg.acd.pause_reasons
    if any(not r.strip() for r in reasons) or len(set(reasons)) != len(reasons):
        problems.add("acd.pause_reasons", "reasons must be non-empty and different")
    _at_least(cfg.acd.auto_pause_after, 0, "acd.auto_pause_after", problems)
    if cfg.acd.supervisor_phone and (why := sip_uri_problem(cfg.acd.supervisor_phone)):
        problems.add("acd.supervisor_phone", why)
    rec = cfg.recording
    _positive(rec.quota_mb, "recording.quota_mb", problems)
    _at_least(rec.retention_days, 0, "recording.retention_days", problems)
    _at_least(rec.min_free_mb, 0, "recording.min_free_mb", problems)
    _one_of(rec.format, ("ogg", "wav"), "recording.format", problems)


def _check_ivr(ivr: IvrConfig, queues: list[QueueConfig], written: bool,
               problems: _Problems, dispatchers: set[str] = frozenset()) -> None:
    menus = {m.id for m in ivr.menus}
    queue_names = {q.name for q in queues}
    note = "" if written else " (this is the built-in menu: add the queue or write [ivr])"
    if ivr.root not in menus:
        problems.add("ivr.root", f"unknown menu '{ivr.root}'")
    for i, menu in enumerate(ivr.menus):
        key = f"ivr.menu[{i}]"
        _ident(menu.id, f"{key}.id", "menu id", problems)
        if not menu.prompt:
            problems.add(f"{key}.prompt", "must name a prompt")
        _positive(menu.timeout_s, f"{key}.timeout_s", problems)
        if not 0 <= menu.retries <= 10:
            problems.add(f"{key}.retries", f"must be 0..10 (got {menu.retries})")
        for digit, action in menu.options.items():
            if len(digit) != 1 or digit not in DTMF_KEYS:
                problems.add(f"{key}.options.{digit}", f"'{digit}' is not a key (0-9, *, #)")
            where = f"ivr menu '{menu.id}' option '{digit}'"
            _check_action(action, f"{key}.options.{digit}", where, queue_names, menus,
                          problems, note, dispatchers)
        _check_action(menu.default, f"{key}.default", f"ivr menu '{menu.id}' default",
                      queue_names, menus, problems, note, dispatchers)
    _unique([(f"ivr.menu[{i}].id", m.id) for i, m in enumerate(ivr.menus)], "menu id",
            problems)


def _check_action(action: str, key: str, where: str, queues: set[str], menus: set[str],
                  problems: _Problems, note: str, dispatchers: set[str] = frozenset()) -> None:
    from appliance.ivr.menu import ACTION_FORMS, Action
    try:
        parsed = Action.parse(action)
    except ValueError:
        problems.add(key, f"{where} -> {action!r} is not an action ({ACTION_FORMS})")
        return
    kind, arg = parsed.kind, parsed.target
    if kind == "queue" and arg not in queues:
        problems.add(key, f"{where} -> unknown queue '{arg}'{note}")
    elif kind == "menu" and arg not in menus:
        problems.add(key, f"{where} -> unknown menu '{arg}'")
    elif kind == "language" and parsed.menu and parsed.menu not in menus:
        problems.add(key, f"{where} -> unknown menu '{parsed.menu}'")
    elif kind == "dispatcher" and arg not in dispatchers:
        problems.add(key, f"{where} -> unknown dispatcher '{arg}'")


def _check_pins(cfg: Config, problems: _Problems) -> None:
    """Every GPIO pin is in 0..27 and used by one lamp, button or power hook only."""
    pins: list[tuple[str, int | None]] = [
        ("lamps.queue_waiting", cfg.lamps.queue_waiting), ("lamps.status", cfg.lamps.status)]
    pins += [(f"lamps.lines.{name}", pin) for name, pin in cfg.lamps.lines.items()]
    for i, d in enumerate(cfg.dispatcher):
        pins += [(f"dispatcher[{i}].lamp", d.lamp), (f"dispatcher[{i}].button", d.button)]
    pins.append(("ivr.night_switch", cfg.ivr.night_switch))
    for i, gsm in enumerate(cfg.gsm):
        match = _POWER_HOOK.match(gsm.power_hook)
        if match and match["pin"] is not None:
            pins.append((f"gsm[{i}].power_hook", int(match["pin"])))
    used: dict[int, str] = {}
    for key, pin in pins:
        if pin is None:
            continue
        if pin not in GPIO_PINS:
            problems.add(key, f"pin {pin} out of range (GPIO 0-27)")
        elif pin in used:
            problems.add(key, f"pin {pin} already used by {used[pin]}")
        else:
            used[pin] = key


def _check_desk(cfg: Config, problems: _Problems) -> None:
    desk = cfg.desk
    _one_of(desk.inform, ("sms", "call", "ring", "none"), "desk.inform", problems)
    _at_least(desk.lead_min, 0, "desk.lead_min", problems)
    if not 0 <= desk.reminder_hour <= 23:
        problems.add("desk.reminder_hour", f"must be an hour 0..23 (got {desk.reminder_hour})")
    _positive(desk.ring_s, "desk.ring_s", problems)
    if desk.line and desk.line not in {g.name for g in cfg.gsm}:
        problems.add("desk.line", f"unknown GSM line {desk.line!r}")


def _check_retention(cfg: Config, problems: _Problems) -> None:
    for name in ("calls_days", "voicemail_days", "messages_days", "chats_days", "audit_days"):
        _at_least(getattr(cfg.retention, name), 0, f"retention.{name}", problems)
    _at_least(cfg.backup.every_hours, 1, "backup.every_hours", problems)
    _at_least(cfg.backup.keep, 1, "backup.keep", problems)
