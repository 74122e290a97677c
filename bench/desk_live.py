"""Live desks: a call starts ringing a dispatcher → their caller card fetched (target p95
≤ 500 ms for INVITE → card; this measures from the core's DispatcherRinging), and an order
saved → its OrderChanged received by 10 other open desks (target p95 ≤ 250 ms).

Real parts except SIP: the web under waitress, SSE streams over HTTP, the core's control
socket, bus, desk tracker and desk actions; SQLite on disk. Each desk is an SSE client
doing what desk.js does (on DeskChanged it GETs /api/desk). Not a browser: rendering
is not included."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path

from bench.common import percentiles

DESKS = 10


class _Stream(threading.Thread):
    """One open desk: reads the SSE stream, records when each wanted event arrived."""

    def __init__(self, port: int, token: str, on_event):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token, self.on_event = token, on_event
        self.ready = threading.Event()

    def run(self) -> None:
        self.conn.request("GET", "/api/events", headers={"Authorization": f"Bearer {self.token}"})
        response = self.conn.getresponse()
        self.ready.set()
        name = None
        try:
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:") and name:
                    self.on_event(name, json.loads(line[5:]), time.perf_counter())
        except (OSError, ValueError):
            return  # closed at the end


def _stack(work: Path):
    from appliance.auth import UserStore
    from appliance.config.model import Config, DeskConfig, DispatcherConfig, OfficeConfig
    from appliance.control import ControlServer, socket_path
    from appliance.desk.actions import DeskActions
    from appliance.desk.customers import Customers
    from appliance.desk.service import DeskService
    from appliance.desk.tracker import EVENT_TYPES, DeskTracker
    from appliance.events import EventBus
    from appliance.store.db import db_path, open_db
    from web import create_app, make_server
    bus = EventBus()
    tracker = DeskTracker(bus.publish)
    bus.subscribe(tracker.handle, EVENT_TYPES)
    actions = DeskActions(tracker, DeskService(db_path(work), "IR", city="Tehran"),
                          lambda fn: fn(), bus.publish)
    control = ControlServer(socket_path(work), lambda: {}, actions.actions())
    bus.subscribe(control.handle_event)
    bus.start()
    control.start()
    names = [f"d{i}" for i in range(DESKS + 1)]
    config = Config(office=OfficeConfig(name="Bench", country="IR", timezone="Asia/Tehran"),
                    dispatcher=[DispatcherConfig(n, str(100 + i), f"sip:{100 + i}@127.0.0.1")
                                for i, n in enumerate(names)], desk=DeskConfig(city="Tehran"))
    conn = open_db(db_path(work))
    Customers(conn, "IR").create("Ali Rezaei", ["09121234567"], notes="bench")
    conn.close()
    app = create_app(config, work)
    server = make_server(app, "127.0.0.1", 0, threads=2 * DESKS + 12)
    threading.Thread(target=server.run, daemon=True).start()
    users = UserStore(work)
    tokens = [users.create_token("supervisor") for _ in range(DESKS + 1)]
    return bus, control, server, tokens


def _get(port: int, token: str, path: str, body: dict | None = None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request("POST" if body is not None else "GET", path,
                 json.dumps(body) if body is not None else None, headers)
    data = json.loads(conn.getresponse().read())
    conn.close()
    return data


def run(work: Path, rounds: int = 60) -> dict:
    from appliance import events as ev
    work.mkdir(parents=True, exist_ok=True)
    bus, control, server, tokens = _stack(work)
    port = server.effective_port
    got: dict[tuple[int, int], float] = {}  # (desk, order id) -> arrival
    cards: list[float] = []
    card_wanted: dict[str, float] = {}
    lock = threading.Lock()

    def desk_handler(i: int):
        def on_event(name: str, data: dict, at: float) -> None:
            if name == "OrderChanged":
                with lock:
                    got[(i, data["order_id"])] = at
            elif name == "DeskChanged" and i == 0 and data["state"] == "ringing":
                card = _get(port, tokens[0], "/api/desk?dispatcher=d0")
                if card["customer"] and card["customer"]["name"] == "Ali Rezaei":
                    cards.append((time.perf_counter() - card_wanted.pop(data["call_id"])) * 1000)
        return on_event

    streams = [_Stream(port, tokens[i], desk_handler(i)) for i in range(DESKS + 1)]
    for s in streams:
        s.start()
        s.ready.wait(5)
    while control.subscriber_count < DESKS + 1:
        time.sleep(0.02)
    orders = []
    for n in range(rounds):  # order saved (desk "d10") -> seen by desks 0..9
        started = time.perf_counter()
        made = _get(port, tokens[DESKS], "/api/orders", {"number": "09121234567",
                                                         "pickup": f"Vanak {n}"})
        orders.append((made["id"], started))
        time.sleep(0.05)
    for n in range(rounds):  # a call starts ringing d0 -> d0's card with the customer
        call_id = f"bench-{n}"
        bus.publish(ev.CallOffered(call_id, "gsm1", "gsm", "+989121234567", "09121234567"))
        card_wanted[call_id] = time.perf_counter()
        bus.publish(ev.DispatcherRinging(call_id, "d0", f"leg-{n}"))
        time.sleep(0.4)  # the card is fetched while it rings (a slow one counts as missing)
        bus.publish(ev.CallEnded(call_id, "abandoned", "bench"))
        time.sleep(0.05)
    time.sleep(0.5)
    seen = [(got[(i, oid)] - started) * 1000 for oid, started in orders
            for i in range(DESKS) if (i, oid) in got]
    missing = rounds * DESKS - len(seen)
    for s in streams:
        s.conn.close()
    server.close()
    control.stop()
    bus.stop()
    return {"desks": DESKS, "order_to_other_desks_ms": percentiles(seen),
            "orders_not_seen": missing,
            "ringing_to_card_ms": percentiles(cards), "cards_missing": rounds - len(cards),
            "targets": {"order_to_10_desks_p95_ms": 250, "invite_to_card_p95_ms": 500}}


if __name__ == "__main__":
    import tempfile
    print(json.dumps(run(Path(tempfile.mkdtemp(prefix="desk-live-"))), indent=1))
