"""Where the box's SIP peers are: trunk registrars, dispatcher phones, the office LAN.

Builds the :class:`GuardPolicy` from config. The default allow-list is the LAN the box
is on (every IPv4 network of the listening interface, or of all interfaces when it
listens on 0.0.0.0) plus loopback, which only the box itself can send from.
"""

from __future__ import annotations

import fcntl
import ipaddress
import logging
import re
import socket
import struct
from typing import Any, Iterable

from appliance.telephony.sip.guard import GuardPolicy, Network, allowed_networks
from appliance.telephony.sip.watchdog import Limits

log = logging.getLogger("callbox.sip")

_URI = re.compile(r"^(?:sips?:)?(?:[^@;]*@)?(?P<host>\[[^\]]+\]|[^:;>]+)(?::(?P<port>\d+))?",
                  re.IGNORECASE)
_SIOCGIFADDR, _SIOCGIFNETMASK = 0x8915, 0x891B
LOOPBACK = ("127.0.0.0/8", "::1/128")


def uri_host(uri: str) -> str:
    """``sip:user@host:5060;transport=udp`` → ``host`` (also for a bare ``host:port``)."""
    match = _URI.match(uri.strip().strip("<>"))
    return match["host"].strip("[]") if match else ""


def registrar_uri(registrar: str) -> str:
    """The registrar as a SIP URI, whether config wrote ``sip:host`` or just ``host``."""
    text = registrar.strip()
    return text if text.lower().startswith(("sip:", "sips:")) else f"sip:{text}"


def resolve(host: str) -> set[str]:
    """Addresses of ``host`` (an IP literal is returned as it is). DNS failures are logged:
    the trunk is then refused until the next start, which the log says."""
    try:
        return {str(ipaddress.ip_address(host))}
    except ValueError:
        pass
    try:
        return {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_UDP)}
    except OSError as exc:
        log.error("cannot resolve SIP peer %s: %s — its INVITEs will be refused", host, exc)
        return set()


def _ioctl_addr(sock: socket.socket, request: int, name: str) -> str | None:
    try:
        raw = fcntl.ioctl(sock.fileno(), request, struct.pack("256s", name.encode()[:15]))
    except OSError:
        return None
    return socket.inet_ntoa(raw[20:24])


def lan_networks(listen_host: str) -> list[Network]:
    """IPv4 networks of the interface that owns ``listen_host`` (all when 0.0.0.0)."""
    nets: list[Network] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            addr = _ioctl_addr(sock, _SIOCGIFADDR, name)
            mask = _ioctl_addr(sock, _SIOCGIFNETMASK, name)
            if addr is None or mask is None:
                continue
            if listen_host not in ("", "0.0.0.0", "::", addr):
                continue
            nets.append(ipaddress.ip_network(f"{addr}/{mask}", strict=False))
    return nets


def build_policy(*, listen_host: str, allowed_peers: Iterable[str], trunks: Iterable,
                 phones: dict[str, str], trusted_peers: Iterable[str] = (),
                 **limits) -> GuardPolicy:
    """``phones``: dispatcher extension → phone URI. ``limits``: GuardPolicy numbers."""
    peers = list(allowed_peers)
    allowed = allowed_networks(peers) if peers else \
        tuple(lan_networks(listen_host)) + allowed_networks(LOOPBACK)
    trunk_names: dict[str, str] = {}
    for trunk in trunks:
        for address in resolve(uri_host(trunk.registrar)):
            trunk_names[address] = trunk.name
    trunk_hosts = set(trunk_names)
    pinned = {}
    for ext, uri in phones.items():
        for host in resolve(uri_host(uri)):
            pinned[ext] = host
    log.info("SIP peers: allowed %s, trunks %s, phones %s",
             ", ".join(map(str, allowed)) or "none", ", ".join(sorted(trunk_hosts)) or "none",
             ", ".join(f"{e}@{h}" for e, h in sorted(pinned.items())) or "none")
    return GuardPolicy(allowed=allowed, trunks=frozenset(trunk_hosts), trunk_names=trunk_names,
                       trusted=allowed_networks(trusted_peers), phones=pinned, **limits)


def guard_settings(sip: Any, listen_host: str, dispatchers: Iterable) -> dict:
    """SipSettings fields for the guard and the timeouts, from the ``[sip]`` config."""
    phones = {d.extension: d.phone for d in dispatchers if d.phone.lower().startswith("sip")}
    policy = build_policy(listen_host=listen_host, allowed_peers=sip.allowed_peers,
                          trunks=sip.trunk, phones=phones, trusted_peers=sip.trusted_peers,
                          rate_per_s=sip.rate_per_s,
                          burst=sip.rate_burst, strikes_to_ban=sip.strikes_to_ban,
                          ban_s=sip.ban_s, call_rate_per_s=sip.call_rate_per_s, call_burst=0)
    limits = Limits(ack_timeout_s=sip.ack_timeout_s, rtp_timeout_s=sip.rtp_timeout_s,
                    silence_timeout_s=sip.silence_timeout_s, max_call_s=sip.max_call_s)
    return {"policy": policy, "limits": limits,
            "rejected_records_per_min": sip.rejected_records_per_min}
