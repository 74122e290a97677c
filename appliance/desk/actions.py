"""The desk's control-socket actions (registered by the composition root).

``desk {dispatcher}`` → ``{state, call}`` (whose call rings them, from the tracker);
``desk_changed {kind, id, ...}`` → the web saved something: publish the event every
open desk hears (and the informer acts on).
"""

from __future__ import annotations

from typing import Any, Callable

from appliance.desk.events import CustomerChanged, OrderChanged
from appliance.desk.service import DeskService
from appliance.desk.tracker import DeskTracker


class DeskActions:
    def __init__(self, tracker: DeskTracker, service: DeskService,
                 on_bus: Callable[[Callable[[], Any]], Any], publish: Callable):
        self._tracker = tracker
        self._service = service
        self._on_bus = on_bus
        self._publish = publish

    def actions(self) -> dict[str, Callable[[dict], Any]]:
        return {"desk": self.desk, "desk_changed": self.desk_changed}

    def desk(self, args: dict) -> dict:
        name = str(args.get("dispatcher") or "").strip()
        if not name:
            raise ValueError("say whose desk: dispatcher")
        return self._on_bus(lambda: self._tracker.snapshot(name))

    def desk_changed(self, args: dict) -> dict:
        kind, ident = args.get("kind"), args.get("id")
        if not isinstance(ident, int):
            raise ValueError("desk_changed needs an integer id")
        if kind == "customer":
            self._publish(CustomerChanged(customer_id=ident))
        elif kind == "order":
            with self._service.orders() as orders:
                order = orders.get(ident)
            self._publish(OrderChanged(order_id=ident, state=order["state"],
                                       previous=str(args.get("previous") or ""),
                                       kind=order["kind"], customer_id=order["customer_id"],
                                       number=order["number"], by=order["updated_by"]))
        else:
            raise ValueError(f"unknown desk change {kind!r}")
        return {"ok": True}
