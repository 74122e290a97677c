"""Typed configuration with defaults (the shape of ``callbox.toml``).

Every field here is documented in docs/config.md. Loading, validation and
storage live in ``appliance.config.loader`` and ``appliance.config.store``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OfficeConfig:
    name: str = "Callbox office"
    language: str = "en"  # fa | ru | en
    timezone: str = "UTC"
    country: str = "IR"  # default region for phone numbers


@dataclass
class WebConfig:
    listen: str = "0.0.0.0:8080"
    session_hours: int = 12


@dataclass
class SipTrunk:
    name: str
    registrar: str
    username: str = ""
    password: str = ""
    max_calls: int = 0  # calls at once through this trunk (the contract's); 0 = no limit


@dataclass
class RouteConfig:
    """``[[route]]``: calls out to numbers starting with ``prefix`` (docs/config.md)."""
    prefix: str = ""  # "+98912" matches E.164, "0912" the number as dialled here; "" = all
    lines: list[str] = field(default_factory=list)  # GSM lines / trunks, in preference order
    strip: int = 0  # leading characters removed from the matched form before dialling
    prepend: str = ""  # added in front after strip
    cost: dict[str, float] = field(default_factory=dict)  # line -> cost: cheapest free first


@dataclass
class SipConfig:
    listen: str = "0.0.0.0:5060"
    trunk: list[SipTrunk] = field(default_factory=list)
    # Addresses or networks (CIDR) allowed to send requests besides the trunks and the
    # dispatcher phones; empty = the LAN the box is on, plus loopback (docs/config.md).
    allowed_peers: list[str] = field(default_factory=list)
    # Allowed like trunks, and like trunks not limited per source (an office PBX or SBC).
    trusted_peers: list[str] = field(default_factory=list)
    # Per source: new requests per second (burst on top); past it 503 and a strike.
    rate_per_s: float = 5.0
    rate_burst: int = 20
    strikes_to_ban: int = 10  # strikes within ban_s ban the source for ban_s
    ban_s: float = 600.0
    call_rate_per_s: float = 0.0  # box-wide new INVITEs; 0 = sized from the socket budget
    rejected_records_per_min: int = 30  # refused calls logged one by one; beyond: counted
    ack_timeout_s: float = 8.0  # answered but never ACKed
    rtp_timeout_s: float = 60.0  # no RTP packet from the far end
    silence_timeout_s: float = 300.0  # bridged and both sides silent
    max_call_s: float = 14400.0  # any call, whatever it does
    # 0 = the SIP engine's own limit (read from pjsua2, never hard-coded).
    max_calls: int = 0
    # Admit a SIP caller only when a slot for its dispatcher leg is also free.
    reserve_dispatcher_slot: bool = True
    rtp_port: int = 4000
    # The address peers reach the box at when it differs from the bound one (NAT with port
    # forwarding): used in Via/Contact and SDP. "" = the bound address.
    public_address: str = ""


@dataclass
class GsmConfig:
    name: str
    port: str
    audio_port: str = ""
    profile: str = "auto"  # quectel | simcom | huawei | sim800 | auto
    pin: str = ""
    baudrate: int = 115200
    rtscts: bool = False
    balance_ussd: str = ""
    balance_every_min: int = 0
    power_hook: str = ""  # "gpio:5" | "usb:1-1.2" | ""


@dataclass
class DispatcherConfig:
    name: str
    extension: str
    phone: str  # "sip:101@192.168.1.21" ("local" was refused: no sound device)
    lamp: int | None = None
    button: int | None = None
    # queue name -> penalty (0 = rung first); also makes the dispatcher a member of it
    skills: dict[str, int] = field(default_factory=dict)


@dataclass
class LampsConfig:
    pin_factory: str = "mock"  # lgpio | mock
    queue_waiting: int | None = 22
    status: int | None = None
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class IvrMenu:
    id: str
    prompt: str  # prompt key
    # digit -> action: queue:NAME | menu:ID | play:PROMPT | voicemail | hangup |
    # dispatcher:NAME | self_order | order_status | language:fa|ru|en[:MENU]
    options: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 5.0
    retries: int = 2  # re-prompts after the first try
    default: str = "queue:office"  # after retries are used up


@dataclass
class IvrWeekly:
    """Open on these days (sat..fri, the office's week) from..to (HH:MM, office time)."""
    days: list[str] = field(default_factory=list)
    from_: str = "00:00"  # TOML/JSON name: "from"
    to: str = "24:00"  # earlier than from = open past midnight


@dataclass
class IvrHours:
    weekly: list[IvrWeekly] = field(default_factory=list)  # empty = open every day, all day
    holidays: list[str] = field(default_factory=list)  # YYYY-MM-DD (Gregorian), closed all day
    closed_action: str = "voicemail"  # voicemail | hangup (after the `closed` prompt)


@dataclass
class IvrConfig:
    greeting: str = "welcome"
    root: str = "main"
    menus: list[IvrMenu] = field(default_factory=lambda: [IvrMenu(
        id="main", prompt="main_menu",
        options={"1": "queue:taxi", "2": "queue:office", "0": "queue:operator"})])
    hours: IvrHours = field(default_factory=IvrHours)
    night_mode: bool = False  # closed now, whatever the hours say (also the web's switch)
    night_switch: int | None = None  # GPIO pin of a night-mode switch (closed = night)


@dataclass
class VoicemailConfig:
    max_s: float = 120.0  # a message is cut off after this long
    min_s: float = 1.0  # shorter recordings are not kept (a caller who hung up at the tone)


@dataclass
class QueueConfig:
    name: str
    strategy: str = "ringall"  # ringall | longest-idle | round-robin | fewest-calls | skills
    ring_timeout_s: float = 15.0
    wrapup_s: float = 5.0
    target_wait_s: float = 60.0
    announce_every_s: float = 30.0
    members: list[str] = field(default_factory=list)  # dispatcher names; empty = all
    announce_position: bool = False  # say the caller's place and expected wait
    music: str = ""  # hold music WAV/MP3/OGG for this queue; empty = the built-in one
    max_wait_s: float = 0.0  # 0 = no limit; then `overflow`
    max_length: int = 0  # callers waiting at most; 0 = no limit; a newcomer overflows
    overflow: str = ""  # "" (keep waiting / refuse) | queue:NAME | voicemail | callback | hangup
    callback_key: str = ""  # a key the waiting caller presses to be called back
    record: bool = False  # record conversations of this queue (callers hear a notice)


@dataclass
class PromptsConfig:
    voice: str = ""  # espeak-ng voice; empty = the office language's default
    texts: dict[str, str] = field(default_factory=dict)  # key -> text override
    custom: dict[str, str] = field(default_factory=dict)  # key -> path of a WAV


@dataclass
class RecordingConfig:
    """``[recording]``: where recordings of ``record = true`` queues may live."""
    quota_mb: float = 1000.0  # all recordings together; the oldest go first
    retention_days: float = 90.0  # older ones are deleted; 0 = kept until the quota
    format: str = "ogg"  # ogg (Vorbis, ~1 KiB/s) | wav (8 kHz 16-bit PCM, 16 KiB/s)
    min_free_mb: float = 200.0  # no new recording when the data disk has less free


@dataclass
class AcdConfig:
    """Dispatcher states (``[acd]``)."""
    pause_reasons: list[str] = field(default_factory=lambda: ["break", "lunch", "meeting",
                                                              "training"])
    auto_pause_after: int = 3  # offers in a row that ring out → paused; 0 = never
    feature_codes: bool = True  # *1 log in, *2 log out, *3 pause/resume from the phone
    supervisor_phone: str = ""  # SIP URI the box rings to listen / whisper / barge; "" = none


@dataclass
class DeskConfig:
    """The dispatcher desk (``[desk]``)."""
    city: str = ""  # the office's city: orders default to it, the order form shows it
    inform: str = "sms"  # how customers hear about their car: sms | call | ring | none
    line: str = ""  # GSM line for SMS and calls to customers; "" = the first one
    lead_min: int = 15  # a scheduled ride becomes "new" this long before its time
    reminder_hour: int = 18  # office time on the day before a visit when its reminder goes
    ring_s: float = 8.0  # "ring on approach": how long the phone rings (about two rings)


@dataclass
class RetentionConfig:
    """How many days each kind of personal data is kept (``[retention]``; 0 = forever).
    The core purges older records hourly and logs (and audits) what it removed."""
    calls_days: int = 365
    voicemail_days: int = 90  # voicemail audio (call recordings: [recording] retention_days)
    messages_days: int = 180  # SMS
    chats_days: int = 180
    audit_days: int = 730


@dataclass
class BackupConfig:
    """Scheduled backups (``[backup]``): one archive every ``every_hours`` into ``dir``
    (a USB stick or a mounted network share), keeping the newest ``keep``. ``dir`` = ""
    turns the schedule off. ``passphrase_file`` (0600) encrypts the archives."""
    dir: str = ""
    every_hours: int = 24
    keep: int = 7
    passphrase_file: str = ""


def default_queues() -> list[QueueConfig]:
    return [QueueConfig(name="taxi"), QueueConfig(name="office"), QueueConfig(name="operator")]


@dataclass
class Config:
    office: OfficeConfig = field(default_factory=OfficeConfig)
    web: WebConfig = field(default_factory=WebConfig)
    sip: SipConfig = field(default_factory=SipConfig)
    gsm: list[GsmConfig] = field(default_factory=list)
    route: list[RouteConfig] = field(default_factory=list)
    dispatcher: list[DispatcherConfig] = field(default_factory=list)
    lamps: LampsConfig = field(default_factory=LampsConfig)
    ivr: IvrConfig = field(default_factory=IvrConfig)
    queue: list[QueueConfig] = field(default_factory=default_queues)
    prompts: PromptsConfig = field(default_factory=PromptsConfig)
    acd: AcdConfig = field(default_factory=AcdConfig)
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    voicemail: VoicemailConfig = field(default_factory=VoicemailConfig)
    desk: DeskConfig = field(default_factory=DeskConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
