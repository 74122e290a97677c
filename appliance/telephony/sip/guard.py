"""Who may talk to the box's SIP port, how fast, and who is banned. Pure logic, no pjsua2.

Every out-of-dialog request is judged here BEFORE pjsua sees it (see prefilter.py), so a
refused INVITE never costs a call slot or media sockets. Judgement, in order:

1. a banned source is dropped (no answer: a scanner learns nothing);
2. a source that is neither a trunk, a dispatcher phone, an allowed network nor loopback
   is dropped, and counted as a strike;
3. a known scanner's User-Agent is banned at once;
4. a dispatcher extension calling from somewhere else than its phone is refused (403);
5. each source has a token bucket; past it the request gets 503 and a strike;
6. enough strikes within the ban window ban the source for ``ban_s`` (fail2ban-like);
7. INVITEs share one box-wide bucket sized from the engine's socket budget (503).

The engine asks the call-slot budget last (486). Control actions list and lift bans
from another thread, so the mutable state is behind one lock.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Callable, Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SCANNER_AGENTS = ("friendly-scanner", "sipvicious", "sipcli", "sip-scan", "sipsak", "vaxsipuseragent",
                  "pplsip", "iwar", "sundayddr", "sipptk", "smap", "cantcore", "voipbuster")

# Requests that belong to a call already set up (or being set up) pass on to pjsua.
DIALOG_METHODS = frozenset({"ACK", "BYE", "CANCEL", "PRACK", "UPDATE", "INFO"})
MAX_TRACKED_SOURCES = 4096  # bounds memory under a flood from many addresses


class Action(StrEnum):
    PASS = "pass"
    RESPOND = "respond"  # stateless final response, then forget the request
    DROP = "drop"  # no answer at all


@dataclass(frozen=True)
class Decision:
    action: Action
    code: int = 0
    reason: str = ""

    @property
    def passes(self) -> bool:
        return self.action is Action.PASS


PASS = Decision(Action.PASS)


@dataclass(frozen=True)
class GuardPolicy:
    allowed: tuple[Network, ...]
    trunks: frozenset[str] = frozenset()
    trunk_names: dict[str, str] = field(default_factory=dict)  # address -> trunk line name
    trusted: tuple[Network, ...] = ()  # like trunks: no per-source limit (an office PBX, SBC)
    phones: dict[str, str] = field(default_factory=dict)  # extension -> pinned host
    rate_per_s: float = 5.0
    burst: int = 20
    strikes_to_ban: int = 10
    ban_s: float = 600.0
    call_rate_per_s: float = 20.0  # box-wide new INVITEs (socket budget)
    call_burst: int = 20


@dataclass(frozen=True)
class SipRequest:
    source: str
    method: str
    from_user: str = ""
    user_agent: str = ""
    to_tag: bool = False
    via_maddr: bool = False


class _Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, tokens: float, at: float):
        self.tokens, self.at = tokens, at

    def take(self, rate: float, burst: int, now: float) -> bool:
        self.tokens = min(float(burst), self.tokens + (now - self.at) * rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class _Source:
    bucket: _Bucket
    strikes: list[float] = field(default_factory=list)


@dataclass
class Ban:
    address: str
    reason: str
    since: float  # wall clock (shown to people)
    until: float  # monotonic
    dropped: int = 0


def allowed_networks(peers: Iterable[str]) -> tuple[Network, ...]:
    """``["192.168.1.0/24", "10.0.0.7"]`` → networks (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(p, strict=False) for p in peers)


class SipGuard:
    def __init__(self, policy: GuardPolicy, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time):
        self.policy = policy
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._sources: OrderedDict[str, _Source] = OrderedDict()
        self._bans: dict[str, Ban] = {}
        self._calls = _Bucket(float(policy.call_burst), clock())
        self._phone_hosts = frozenset(policy.phones.values())
        self.shed: dict[str, int] = {}  # reason -> requests refused or dropped

    def set_call_rate(self, rate: float, burst: int) -> None:
        """The box-wide INVITE rate, once the engine knows its socket budget."""
        with self._lock:
            self.policy = replace(self.policy, call_rate_per_s=rate, call_burst=burst)
            self._calls = _Bucket(float(burst), self._clock())

    # ------------------------------------------------------------------ judging
    def check(self, req: SipRequest) -> Decision:
        with self._lock:
            decision = self._judge(req)
            if not decision.passes:
                key = decision.reason
                self.shed[key] = self.shed.get(key, 0) + 1
            return decision

    def _judge(self, req: SipRequest) -> Decision:
        now = self._clock()
        if req.via_maddr:  # a maddr would steer replies (and the source judged here) elsewhere
            return Decision(Action.DROP, reason="maddr")
        ban = self._active_ban(req.source, now)
        if ban is not None:
            ban.dropped += 1
            return Decision(Action.DROP, reason="banned")
        trunk = req.source in self.policy.trunks or self._in(req.source, self.policy.trusted)
        if not (trunk or self._allowed(req.source)):
            self._strike(req.source, now, "not allowed")
            return Decision(Action.DROP, reason="not allowed")
        if req.to_tag or req.method in DIALOG_METHODS:
            return PASS  # pjsua matches it to its dialog or answers 481 itself
        agent = req.user_agent.lower()
        if any(name in agent for name in SCANNER_AGENTS):
            self._ban(req.source, now, "scanner")
            return Decision(Action.DROP, reason="scanner")
        pinned = self.policy.phones.get(req.from_user)
        if pinned is not None and pinned != req.source:
            self._strike(req.source, now, "dispatcher spoofed")
            return Decision(Action.RESPOND, 403, "dispatcher spoofed")
        if not trunk and not self._source(req.source, now).bucket.take(
                self.policy.rate_per_s, self.policy.burst, now):
            self._strike(req.source, now, "flood")
            return Decision(Action.RESPOND, 503, "source rate")
        if req.method == "INVITE":
            if not self._calls.take(self.policy.call_rate_per_s, self.policy.call_burst, now):
                return Decision(Action.RESPOND, 503, "box rate")
            return PASS
        if req.method == "OPTIONS" or trunk:
            return PASS
        # REGISTER, SUBSCRIBE, MESSAGE...: the box is nobody's registrar or presence server.
        self._strike(req.source, now, f"{req.method} refused")
        return Decision(Action.RESPOND, 403, f"{req.method} refused")

    def count(self, reason: str) -> None:
        """Count a refusal decided elsewhere (the engine's call-slot budget)."""
        with self._lock:
            self.shed[reason] = self.shed.get(reason, 0) + 1

    def _allowed(self, source: str) -> bool:
        return source in self._phone_hosts or self._in(source, self.policy.allowed)

    @staticmethod
    def _in(source: str, networks: tuple[Network, ...]) -> bool:
        if not networks:
            return False
        try:
            addr = ipaddress.ip_address(source)
        except ValueError:
            return False
        return any(addr in net for net in networks)

    def _source(self, source: str, now: float) -> _Source:
        entry = self._sources.get(source)
        if entry is None:
            entry = _Source(_Bucket(float(self.policy.burst), now))
            self._sources[source] = entry
            while len(self._sources) > MAX_TRACKED_SOURCES:
                self._sources.popitem(last=False)
        else:
            self._sources.move_to_end(source)
        return entry

    def _strike(self, source: str, now: float, reason: str) -> None:
        entry = self._source(source, now)
        window = now - self.policy.ban_s
        entry.strikes = [t for t in entry.strikes if t > window][-self.policy.strikes_to_ban:]
        entry.strikes.append(now)
        if len(entry.strikes) >= self.policy.strikes_to_ban:
            self._ban(source, now, reason)

    # ------------------------------------------------------------------ bans
    def _ban(self, source: str, now: float, reason: str) -> None:
        if source not in self._bans:
            self._bans[source] = Ban(source, reason, self._wall(), now + self.policy.ban_s)
            entry = self._sources.get(source)
            if entry is not None:
                entry.strikes.clear()

    def _active_ban(self, source: str, now: float) -> Ban | None:
        ban = self._bans.get(source)
        if ban is not None and ban.until <= now:
            del self._bans[source]
            return None
        return ban

    def bans(self) -> list[dict]:
        now = self._clock()
        with self._lock:
            for address in [a for a, b in self._bans.items() if b.until <= now]:
                del self._bans[address]
            return [{"address": b.address, "reason": b.reason,
                     "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(b.since)),
                     "expires_in_s": round(b.until - now), "dropped": b.dropped}
                    for b in sorted(self._bans.values(), key=lambda b: b.since)]

    def unban(self, address: str) -> bool:
        with self._lock:
            self._sources.pop(address, None)
            return self._bans.pop(address, None) is not None

    def stats(self) -> dict:
        with self._lock:
            return {"shed": dict(self.shed), "banned": len(self._bans)}
