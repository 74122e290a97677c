"""The IVR's self-service port (contract desk ↔ ivr): a known caller orders a car to
their last pickup address, or hears the state of their open order.

``SelfService(db_path)`` is what the IVR calls from its worker thread; every call
opens its own short connection. ``publish`` (the bus) announces a placed order so it
appears on every desk at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from appliance.desk.clock import Now, utcnow
from appliance.desk.events import OrderChanged
from appliance.desk.numbers import try_normalise
from appliance.desk.orders import minutes_left
from appliance.desk.service import DeskService

IVR_USER = "ivr"


@dataclass(frozen=True)
class SelfOffer:
    address: str
    city: str
    customer_id: int


class SelfService:
    def __init__(self, db_path: Path | str, country: str = "IR", *, city: str = "",
                 publish: Callable | None = None, now: Now = utcnow):
        self._service = DeskService(db_path, country, city=city, now=now)
        self._country = country
        self._publish = publish
        self._now = now

    def _customer(self, orders, caller: str) -> int | None:
        number = try_normalise(caller, self._country)
        return orders.customers.find_by_number(number) if number else None

    def offer(self, caller_e164: str) -> SelfOffer | None:
        """The last pickup of a known, not blacklisted caller; None sends them to the menu."""
        with self._service.orders() as orders:
            cid = self._customer(orders, caller_e164)
            if cid is None:
                return None
            card = orders.customers.get(cid)
            if "blacklist" in card["flags"]:
                return None
            last = orders.list(customer_id=card["id"], limit=20)
        rides = [o for o in last if o["kind"] == "ride" and o["pickup"]]
        if not rides:
            return None
        return SelfOffer(rides[0]["pickup"], rides[0]["city"], card["id"])

    def place_order(self, caller_e164: str, call_id: str) -> int:
        """A ride to the last pickup address, ``new`` at once; raises LookupError without one."""
        offer = self.offer(caller_e164)
        if offer is None:
            raise LookupError(f"no earlier pickup address for {caller_e164}")
        with self._service.orders() as orders:
            made = orders.create({"number": caller_e164, "kind": "ride", "pickup": offer.address,
                                  "city": offer.city, "call_id": call_id,
                                  "comment": "IVR"}, IVR_USER)
        if self._publish is not None:
            self._publish(OrderChanged(order_id=made["id"], state=made["state"], kind="ride",
                                       customer_id=made["customer_id"],
                                       number=try_normalise(caller_e164, self._country) or "",
                                       by=IVR_USER))
        return made["id"]

    def status_text(self, caller_e164: str) -> tuple[str, int | None] | None:
        """(state, minutes to arrival or None) of the caller's newest open order."""
        with self._service.orders() as orders:
            cid = self._customer(orders, caller_e164)
            if cid is None:
                return None
            found = orders.list(state="open", customer_id=orders.customers.get(cid)["id"],
                                limit=1)
        if not found:
            return None
        return found[0]["state"], minutes_left(found[0], self._now())
