"""Calls out through a ``[[sip.trunk]]`` account, mixed into :class:`SipEngine`.

``trunk:<name>/<number>`` is originated from the trunk's account: From is the account
(``sip:<username>@<registrar host>``), the Request-URI ``sip:<number>@<registrar host>``,
and pjsua answers the provider's 401/407 digest challenge with the account's credentials.
The methods read by other threads (``trunk_state``, ``trunk_calls``) only read.
"""

from __future__ import annotations

from typing import Any

from appliance.telephony.sip.peers import registrar_uri

TRUNK_SCHEME = "trunk:"


def registrar_host(registrar: str) -> str:
    """``sip:user@host:5080;transport=udp`` → ``host:5080`` (the trunk's SIP domain)."""
    return registrar_uri(registrar).split(":", 1)[1].split(";")[0].rsplit("@", 1)[-1]


class TrunkDialMixin:
    """Needs the engine's ``settings.trunks``, ``_accounts``, ``_trunk_state``, ``_legs``."""

    def trunk_state(self, name: str) -> str:
        """``up`` once registered, else ``unregistered``."""
        return self._trunk_state.get(name, "unregistered")

    def trunk_calls(self, name: str) -> int:
        """Calls up on the trunk, both ways (outbound legs and callers from its registrar)."""
        return sum(1 for leg in list(self._legs.values())
                   if not leg.ended and leg.extra.get("line") == name)

    def _dial_target(self, uri: str) -> tuple[Any, str, str]:
        """(account, Request-URI, line) for an outbound ``uri``; LookupError for an
        unknown trunk. Any other URI goes out from the box's own account."""
        if not uri.startswith(TRUNK_SCHEME):
            return self._accounts[0], uri, ""
        name, _, number = uri[len(TRUNK_SCHEME):].partition("/")
        trunk = next((t for t in self.settings.trunks if t.name == name), None)
        account = next((a for a in self._accounts[1:] if a.name == name), None)
        if trunk is None or account is None or not number:
            raise LookupError(f"no trunk named {name}")
        return account, f"sip:{number}@{registrar_host(trunk.registrar)}", name
