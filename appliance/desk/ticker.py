"""Once a minute (its own thread): scheduled orders reach their lead time, visit
reminders go out, SMS delivery reports reach the orders."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from appliance.desk.events import OrderChanged
from appliance.desk.informer import Informer
from appliance.desk.service import DeskService

log = logging.getLogger("callbox.desk")


class DeskTicker:
    def __init__(self, service: DeskService, informer: Informer | None,
                 publish: Callable, every_s: float = 30.0):
        self._service = service
        self._informer = informer
        self._publish = publish
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="desk-ticker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            self.tick()

    def tick(self) -> None:
        try:
            self.release()
            if self._informer is not None:
                self._informer.remind_due()
                self._informer.sync_sms()
        except Exception:  # a locked or broken database: try again next minute
            log.exception("desk tick failed")

    def release(self) -> list[int]:
        with self._service.orders() as orders:
            moved = orders.release_due()
            changed = [orders.get(oid) for oid in moved]
        for order in changed:
            self._publish(OrderChanged(order_id=order["id"], state=order["state"],
                                       previous="scheduled", kind=order["kind"],
                                       customer_id=order["customer_id"],
                                       number=order["number"], by="box"))
        return moved
