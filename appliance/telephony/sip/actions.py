"""Control-socket actions of the SIP guard: ``sip_bans`` lists, ``sip_unban`` lifts a ban.

The admin page (web) calls them through the core's control socket.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Callable

from appliance.errors import CallboxError


def sip_actions(router: Any) -> dict[str, Callable[[dict], Any]]:
    """``router`` is the CallRouter; its engine exists once the core has started."""

    def engine() -> Any:
        if router.engine is None:
            raise CallboxError("the SIP engine is not running")
        return router.engine

    def bans(args: dict) -> list[dict]:
        return engine().bans()

    def unban(args: dict) -> dict:
        address = str(args.get("address") or "").strip()
        try:
            address = str(ipaddress.ip_address(address))
        except ValueError:
            raise ValueError(f"{address!r} is not an IP address") from None
        return {"address": address, "unbanned": engine().unban(address)}

    return {"sip_bans": bans, "sip_unban": unban}
