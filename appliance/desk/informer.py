"""Telling the customer: SMS, an automatic call, or ring on approach; visit SMS and reminders.

``handle`` is a bus subscriber (OrderChanged); the work (SQLite, text-to-speech,
handing an SMS to the modem) runs on the informer's own thread, so the bus never
waits. Calls are placed and followed on the bus worker (``InformCalls``). Every
outcome is stored on the order (``inform_status``) and announced with OrderChanged.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from appliance.desk.calls import InformCalls
from appliance.desk.events import OrderChanged
from appliance.desk.messages import CustomerTexts
from appliance.desk.orders import minutes_left
from appliance.desk.service import DeskService
from appliance.errors import CallboxError
from appliance.store.db import parse_iso

log = logging.getLogger("callbox.desk.informer")

MODES = ("sms", "call", "ring", "none")


@dataclass
class InformerPorts:
    """What the informer needs from the rest of the core (wired by the root)."""
    send_sms: Callable[[str, str], int]  # (number, text) -> message id; raises on failure
    gsm_line: Callable[[], str | None]  # the line calls go out on, None when there is none
    synthesize: Callable[[str, str], None]  # (text, wav path) -> writes the WAV
    sms_status: Callable[[int], str | None]  # message id -> sending|sent|delivered|failed
    # number -> the URI to call it on (outbound routing: a GSM line or a trunk); raises
    # CallboxError when no line is free. None: the GSM line of ``gsm_line``.
    route: Callable[[str], str] | None = None


class Informer:
    def __init__(self, service: DeskService, ports: InformerPorts, calls: InformCalls,
                 bus, texts: CustomerTexts, tz: ZoneInfo, *, default_mode: str = "sms",
                 reminder_hour: int = 18, work_dir: Path | str = "."):
        self._service = service
        self._ports = ports
        self._calls = calls
        self._bus = bus
        self._texts = texts
        self._tz = tz
        self._default = default_mode
        self._reminder_hour = reminder_hour
        self._dir = Path(work_dir)
        self._jobs: queue.Queue = queue.Queue(maxsize=1000)
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="desk-informer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(5.0)
            self._thread = None

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            except Exception:  # one order failing must not stop the others
                log.exception("informer job failed")

    def wait_idle(self, timeout: float = 5.0) -> bool:
        done = threading.Event()
        self._jobs.put(done.set)
        return done.wait(timeout)

    # ------------------------------------------------------------ bus side
    def handle(self, event: Any) -> None:
        if isinstance(event, OrderChanged) and event.by != "informer":
            self._jobs.put(lambda: self.inform(event.order_id, event.state, event.previous))
        else:
            self._calls.handle(event)

    def report(self, order_id: int, status: str, detail: str) -> None:
        """An outcome (any thread): stored on the order on the informer's thread."""
        self._jobs.put(lambda: self._store(order_id, status, detail))

    # ------------------------------------------------------------ decisions
    def inform(self, order_id: int, state: str, previous: str) -> None:
        with self._service.orders() as orders:
            order = orders.get(order_id)
            do_not_call = orders.conn.execute(
                "SELECT do_not_call FROM customers WHERE id = ?",
                (order["customer_id"],)).fetchone()[0]
        mode = order["inform"] or self._default
        if mode == "none":
            return
        if order["kind"] == "visit":
            if previous == "" and state in ("new", "scheduled"):
                self._sms(order, self._texts.visit(order))
            return
        minutes = minutes_left(order, self._service.now())
        if state == "assigned" and mode == "sms":
            self._sms(order, self._texts.car(order, minutes))
        elif state == "assigned" and mode == "call":
            self._call(order, "call", self._texts.car(order, minutes, spoken=True), do_not_call)
        elif state == "arriving" and mode == "ring":
            self._call(order, "ring", "", do_not_call)

    def _sms(self, order: dict, text: str) -> None:
        try:
            mid = self._ports.send_sms(order["number"], text)
        except Exception as exc:
            log.warning("order %s: SMS not sent: %s", order["id"], exc)
            self._store(order["id"], "failed", f"sms: {exc}")
            return
        self._store(order["id"], "sent", f"sms:{mid}")

    def _call(self, order: dict, mode: str, text: str, do_not_call: int) -> None:
        if do_not_call:
            self._store(order["id"], "skipped", "do not call")
            return
        uri = self._uri(order)
        if not uri:
            return
        wav = ""
        if mode == "call":
            wav = str(self._dir / f"inform-{order['id']}.wav")
            try:
                self._ports.synthesize(text, wav)
            except Exception as exc:
                self._store(order["id"], "failed", f"speech: {exc}")
                return
        self._bus.call_soon(lambda: self._calls.dial(order["id"], uri, mode, wav))

    def _uri(self, order: dict) -> str:
        """Where the call goes, or "" after storing why it cannot go out now."""
        if self._ports.route is not None:
            try:
                return self._ports.route(order["number"])
            except CallboxError as exc:
                self._store(order["id"], "failed", f"no line: {exc}")
                return ""
        line = self._ports.gsm_line()
        if not line:
            self._store(order["id"], "failed", "no GSM line to call through")
            return ""
        return f"gsm:{line}/{order['number']}"

    def _store(self, order_id: int, status: str, detail: str) -> None:
        with self._service.orders() as orders:
            orders.set_inform(order_id, status, detail)
            order = orders.get(order_id)
        log.info("order %s: customer told: %s %s", order_id, status, detail)
        self._bus.publish(OrderChanged(order_id=order_id, state=order["state"],
                                       previous=order["state"], kind=order["kind"],
                                       customer_id=order["customer_id"], number=order["number"],
                                       by="informer"))

    # ------------------------------------------------------------ periodic (ticker thread)
    def remind_due(self) -> list[int]:
        """SMS the visits of tomorrow (office time) once it is past the reminder hour."""
        now = self._service.now().astimezone(self._tz)
        if now.hour < self._reminder_hour:
            return []
        tomorrow = (now + timedelta(days=1)).date()
        start = datetime.combine(tomorrow, datetime.min.time(), self._tz)
        due = []
        with self._service.orders() as orders:
            for order in orders.list(state="open", limit=500):
                when = order["scheduled_for"]
                if (order["kind"] != "visit" or order["reminded_at"] or not when
                        or not start <= parse_iso(when) < start + timedelta(days=1)
                        or (order["inform"] or self._default) == "none"):
                    continue
                orders.mark_reminded(order["id"])
                due.append(order)
        for order in due:
            self._sms(order, self._texts.visit(order, reminder=True))
        return [o["id"] for o in due]

    def sync_sms(self) -> None:
        """Orders whose SMS was handed to a modem learn whether it got there."""
        with self._service.orders() as orders:
            rows = orders.conn.execute(
                "SELECT id, inform_status, inform_detail FROM orders WHERE inform_detail "
                "LIKE 'sms:%' AND inform_status IN ('sent') ORDER BY id DESC LIMIT 200"
            ).fetchall()
        for row in rows:
            status = self._ports.sms_status(int(row["inform_detail"][4:]))
            if status in ("delivered", "failed") and status != row["inform_status"]:
                self._store(row["id"], status, row["inform_detail"])
