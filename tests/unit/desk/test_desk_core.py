"""The core side of the desk: which call rings whom, self-service, telling the customer."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from appliance import events as ev
from appliance.desk.actions import DeskActions
from appliance.desk.calls import InformCalls
from appliance.desk.events import DeskChanged, OrderChanged
from appliance.desk.informer import Informer, InformerPorts
from appliance.desk.messages import CustomerTexts
from appliance.desk.selfservice import SelfService
from appliance.desk.service import DeskService
from appliance.desk.ticker import DeskTicker
from appliance.desk.tracker import DeskTracker, EVENT_TYPES as TRACKER_EVENTS

TEHRAN = ZoneInfo("Asia/Tehran")
NUMBER = "+989121234567"
IDLE = {"state": "idle", "call": None, "colleague": None}


@pytest.fixture
def service(tmp_path, clock) -> DeskService:
    return DeskService(tmp_path / "callbox.sqlite3", "IR", city="Tehran", now=clock)


@pytest.fixture
def tracker(bus) -> DeskTracker:
    tracker = DeskTracker(bus.publish)
    bus.subscribe(tracker.handle, TRACKER_EVENTS)
    return tracker


def _desks(bus):
    return [(e.dispatcher, e.state, e.call_id) for e in bus.of(DeskChanged)]


def test_the_desk_follows_a_queue_call_ringing_two_dispatchers(bus, tracker):
    bus.publish(ev.CallOffered("c1", "gsm1", "gsm", NUMBER, "09121234567"))
    bus.publish(ev.CallQueued("c1", "taxi", NUMBER))
    bus.publish(ev.DispatcherRinging("c1", "anna", "l1"))
    bus.publish(ev.DispatcherRinging("c1", "boris", "l2"))
    snap = tracker.snapshot("anna")
    assert snap["state"] == "ringing"
    assert {k: snap["call"][k] for k in ("call_id", "caller", "line", "queue")} == \
        {"call_id": "c1", "caller": NUMBER, "line": "gsm1", "queue": "taxi"}
    bus.publish(ev.CallBridged("c1", "boris", "taxi", 3.0))
    assert tracker.snapshot("anna") == IDLE
    assert tracker.snapshot("boris")["state"] == "talking"
    bus.publish(ev.CallEnded("c1", "answered", "caller hung up"))
    assert tracker.snapshot("boris") == IDLE
    assert _desks(bus) == [("anna", "ringing", "c1"), ("boris", "ringing", "c1"),
                           ("anna", "idle", ""), ("boris", "talking", "c1"),
                           ("boris", "idle", "")]


def test_a_dispatcher_who_does_not_answer_gets_an_empty_desk(bus, tracker):
    bus.publish(ev.CallOffered("c1", "sip", "sip", NUMBER, NUMBER))
    bus.publish(ev.DispatcherRinging("c1", "anna", "l1"))
    bus.publish(ev.DispatcherNoAnswer("c1", "anna", "l1", "timeout"))
    assert tracker.snapshot("anna")["call"] is None


def _colleague_call(bus, call_id="i1", a="anna", b="ben", a_ext="101"):
    """What appliance/transfer/internal.py publishes when A's phone dials B."""
    bus.publish(ev.CallOffered(call_id, "sip", "sip", a_ext, a_ext, callee="102"))
    bus.publish(ev.IvrStepped(call_id, "internal", f"internal:{a}>{b}"))


def test_a_colleague_calling_is_no_customer_on_either_desk(bus, tracker):
    _colleague_call(bus)
    # B's phone is not ringing yet (B may not be free): only A's desk knows
    assert tracker.snapshot("ben") == IDLE
    assert tracker.snapshot("anna") == {"state": "talking", "call": None, "colleague": {
        "call_id": "i1", "name": "ben", "direction": "out", "state": "ringing"}}
    bus.publish(ev.DispatcherRinging("i1", "ben", "int-1"))
    assert tracker.snapshot("ben") == {"state": "ringing", "call": None, "colleague": {
        "call_id": "i1", "name": "anna", "direction": "in", "state": "ringing"}}
    bus.publish(ev.CallBridged("i1", "ben", "", 2.0, legs=("i1", "int-1")))
    assert tracker.snapshot("ben")["state"] == "talking"
    assert tracker.snapshot("ben")["colleague"]["state"] == "talking"
    assert tracker.snapshot("anna")["colleague"]["state"] == "talking"
    assert tracker.snapshot("anna")["call"] is None  # A's extension never became a caller
    bus.publish(ev.CallEnded("i1", "answered", "internal call: dispatcher hung up"))
    assert tracker.snapshot("anna") == IDLE and tracker.snapshot("ben") == IDLE
    changes = bus.of(DeskChanged)
    assert all(e.caller == "" for e in changes)  # nobody's desk looks "101" up
    assert [(e.dispatcher, e.state, e.colleague) for e in changes][-2:] == \
        [("anna", "idle", ""), ("ben", "idle", "")]
    assert ("ben", "ringing", "anna") in [(e.dispatcher, e.state, e.colleague) for e in changes]
    assert not tracker.calls and not tracker.internal


def test_a_colleague_who_does_not_answer_leaves_b_s_desk(bus, tracker):
    _colleague_call(bus)
    bus.publish(ev.DispatcherRinging("i1", "ben", "int-1"))
    bus.publish(ev.DispatcherNoAnswer("i1", "ben", "int-1", "no answer"))
    assert tracker.snapshot("ben") == IDLE
    assert tracker.snapshot("anna")["colleague"]["name"] == "ben"  # hears "not available"
    bus.publish(ev.CallEnded("i1", "failed", "ben not reached: no answer"))
    assert tracker.snapshot("anna") == IDLE


def test_the_customer_stays_on_a_s_desk_while_a_asks_a_colleague_then_goes_to_b(bus, tracker):
    bus.publish(ev.CallOffered("c1", "gsm1", "gsm", NUMBER, "09121234567"))
    bus.publish(ev.DispatcherRinging("c1", "anna", "l1"))
    bus.publish(ev.CallBridged("c1", "anna", "taxi", 3.0))
    _colleague_call(bus, "i2")  # anna holds the customer and dials ben
    bus.publish(ev.DispatcherRinging("i2", "ben", "int-2"))
    bus.publish(ev.CallBridged("i2", "ben", "", 1.0))
    anna = tracker.snapshot("anna")
    assert anna["state"] == "talking" and anna["call"]["caller"] == NUMBER
    assert anna["colleague"]["name"] == "ben" and tracker.snapshot("ben")["call"] is None
    # the phone's attended transfer: the customer goes to ben, the consultation ends
    bus.publish(ev.CallTransferred("c1", "anna", "ben", "attended"))
    bus.publish(ev.CallEnded("i2", "answered", "transferred: ben took the caller"))
    ben = tracker.snapshot("ben")
    assert ben["call"]["caller"] == NUMBER and ben["colleague"] is None
    assert tracker.snapshot("anna") == IDLE


def test_desk_changed_publishes_the_order_event(bus, tracker, service):
    with service.orders() as orders:
        made = orders.create({"number": "09121234567", "pickup": "Vanak"}, "anna")
    actions = DeskActions(tracker, service, lambda fn: fn(), bus.publish).actions()
    assert actions["desk"]({"dispatcher": "anna"}) == IDLE
    actions["desk_changed"]({"kind": "order", "id": made["id"], "previous": ""})
    event = bus.of(OrderChanged)[-1]
    assert (event.order_id, event.state, event.number, event.by) == \
        (made["id"], "new", NUMBER, "anna")
    with pytest.raises(ValueError):
        actions["desk_changed"]({"kind": "order", "id": "x"})


def test_self_service_offers_the_last_pickup_and_places_an_order(tmp_path, bus, clock):
    ss = SelfService(tmp_path / "callbox.sqlite3", "IR", publish=bus.publish, now=clock)
    assert ss.offer(NUMBER) is None and ss.status_text(NUMBER) is None  # unknown
    service = DeskService(tmp_path / "callbox.sqlite3", "IR", now=clock)
    with service.orders() as orders:
        first = orders.create({"number": "0912 123 4567", "pickup": "Azadi", "city": "Tehran"},
                              "anna")
        orders.transition(first["id"], "cancelled", "anna", reason="test")
        clock.advance(minutes=1)
        orders.create({"number": "09121234567", "pickup": "Vanak 12", "city": "Tehran",
                       "kind": "visit"}, "anna")  # a visit is not a pickup
        clock.advance(minutes=1)
        second = orders.create({"number": "09121234567", "pickup": "Vanak", "city": "Tehran"},
                               "anna")
        orders.transition(second["id"], "cancelled", "anna", reason="test")
        driver = orders.conn.execute("INSERT INTO drivers (name) VALUES ('Reza')").lastrowid
    offer = ss.offer("۰۹۱۲۱۲۳۴۵۶۷")
    assert (offer.address, offer.city) == ("Vanak", "Tehran")
    oid = ss.place_order(NUMBER, "call-7")
    with service.orders() as orders:
        placed = orders.get(oid)
        assert (placed["state"], placed["pickup"], placed["call_id"], placed["created_by"]) == \
            ("new", "Vanak", "call-7", "ivr")
        assert ss.status_text(NUMBER) == ("new", None)
        orders.transition(oid, "assigned", "anna", driver=driver, eta_min=7)
    assert ss.status_text(NUMBER) == ("assigned", 7)
    clock.advance(minutes=3)
    assert ss.status_text(NUMBER) == ("assigned", 4)
    assert bus.of(OrderChanged)[-1].order_id == oid


def test_self_service_skips_a_blacklisted_caller(tmp_path, clock):
    service = DeskService(tmp_path / "callbox.sqlite3", "IR", now=clock)
    with service.orders() as orders:
        orders.create({"number": NUMBER, "pickup": "Vanak"}, "anna")
        cid = orders.customers.find_by_number(NUMBER)
        orders.customers.update(cid, flags=["blacklist"], blacklist_reason="unpaid")
    assert SelfService(tmp_path / "callbox.sqlite3", "IR", now=clock).offer(NUMBER) is None


# ---------------------------------------------------------------- telling the customer
class Ports:
    def __init__(self, line: str | None = "gsm1"):
        self.sms: list[tuple[str, str]] = []
        self.spoken: list[tuple[str, str]] = []
        self.status: dict[int, str] = {}
        self.line = line
        self.refuse = ""

    def send_sms(self, number: str, text: str) -> int:
        if self.refuse:
            raise RuntimeError(self.refuse)
        self.sms.append((number, text))
        self.status[len(self.sms)] = "sent"
        return len(self.sms)

    def synthesize(self, text: str, path: str) -> None:
        self.spoken.append((text, path))

    def ports(self) -> InformerPorts:
        return InformerPorts(self.send_sms, lambda: self.line, self.synthesize,
                             self.status.get)


@pytest.fixture
def ports() -> Ports:
    return Ports()


def _informer(service, ports, bus, control, tmp_path, mode="sms"):
    holder = {}
    calls = InformCalls(control, bus, lambda *a: holder["i"].report(*a), ring_s=8.0)
    informer = Informer(service, ports.ports(), calls, bus, CustomerTexts("en", TEHRAN), TEHRAN,
                        default_mode=mode, reminder_hour=18, work_dir=tmp_path / "desk")
    holder["i"] = informer
    bus.subscribe(informer.handle)
    informer.start()
    return informer


def _assigned(service, inform="", kind="ride", **extra):
    with service.orders() as orders:
        made = orders.create({"number": "09121234567", "pickup": "Vanak", "inform": inform,
                              "kind": kind, **extra}, "anna")
        if kind == "visit":
            return made["id"]
        driver = orders.conn.execute(
            "INSERT INTO drivers (name, car, colour, plate) VALUES "
            "('Reza', 'Peugeot 405', 'white', '12 B 345')").lastrowid
        orders.transition(made["id"], "assigned", "anna", driver=driver, eta_min=6)
    return made["id"]


def _changed(bus, informer, oid, state, previous):
    bus.publish(OrderChanged(order_id=oid, state=state, previous=previous))
    assert informer.wait_idle()


def _order(service, oid):
    with service.orders() as orders:
        return orders.get(oid)


def test_sms_names_the_car_and_the_outcome_is_stored(service, ports, bus, control, tmp_path):
    informer = _informer(service, ports, bus, control, tmp_path)
    oid = _assigned(service)
    _changed(bus, informer, oid, "assigned", "new")
    assert ports.sms == [(NUMBER, "Your car: white Peugeot 405, plate 12 B 345. It arrives in "
                                  "about 6 minutes.")]
    assert (_order(service, oid)["inform_status"], _order(service, oid)["inform_detail"]) == \
        ("sent", "sms:1")
    ports.status[1] = "delivered"  # the modem's status report came in
    informer.sync_sms()
    assert _order(service, oid)["inform_status"] == "delivered"
    assert any(e.by == "informer" for e in bus.of(OrderChanged))
    informer.stop()


def test_a_refused_sms_is_a_failed_outcome(service, ports, bus, control, tmp_path):
    ports.refuse = "no GSM line named 'gsm1'"
    informer = _informer(service, ports, bus, control, tmp_path)
    oid = _assigned(service)
    _changed(bus, informer, oid, "assigned", "new")
    assert _order(service, oid)["inform_status"] == "failed"
    assert "gsm1" in _order(service, oid)["inform_detail"]
    informer.stop()


def test_the_automatic_call_speaks_the_car(service, ports, bus, control, tmp_path):
    informer = _informer(service, ports, bus, control, tmp_path)
    oid = _assigned(service, inform="call")
    _changed(bus, informer, oid, "assigned", "new")
    text, wav = ports.spoken[0]
    assert "white Peugeot 405, plate 12 B 345" in text and "6 minutes" in text
    (leg, uri), = control.originated()
    assert uri == f"gsm:gsm1/{NUMBER}"
    bus.publish(ev.LegRinging(leg))
    bus.publish(ev.LegAnswered(leg))
    played = control.last_play(leg)
    assert played.files == (wav,)
    bus.publish(ev.PromptFinished(leg, played.token))
    assert (leg, 0) in control.hangups()
    bus.publish(ev.LegEnded(leg, 200, "bye"))
    assert informer.wait_idle()
    assert _order(service, oid)["inform_status"] == "answered"
    informer.stop()


def test_ring_on_approach_rings_then_hangs_up(service, ports, bus, control, tmp_path):
    informer = _informer(service, ports, bus, control, tmp_path, mode="ring")
    oid = _assigned(service)
    _changed(bus, informer, oid, "assigned", "new")
    assert control.originated() == [] and ports.sms == []  # nothing until it is arriving
    _changed(bus, informer, oid, "arriving", "assigned")
    (leg, _), = control.originated()
    bus.publish(ev.LegRinging(leg))
    bus.advance(7.9)
    assert control.hangups() == []
    bus.advance(0.2)
    assert control.hangups() == [(leg, 487)]
    assert informer.wait_idle()
    assert _order(service, oid)["inform_status"] == "rung"
    informer.stop()


def test_an_unanswered_automatic_call_fails(service, ports, bus, control, tmp_path):
    informer = _informer(service, ports, bus, control, tmp_path, mode="call")
    oid = _assigned(service)
    _changed(bus, informer, oid, "assigned", "new")
    (leg, _), = control.originated()
    bus.publish(ev.LegEnded(leg, 486, "Busy Here"))
    assert informer.wait_idle()
    assert (_order(service, oid)["inform_status"], _order(service, oid)["inform_detail"]) == \
        ("failed", "486 Busy Here")
    informer.stop()


def test_do_not_call_customers_get_no_call(service, ports, bus, control, tmp_path):
    informer = _informer(service, ports, bus, control, tmp_path, mode="call")
    oid = _assigned(service)
    with service.orders() as orders:
        orders.customers.update(_order(service, oid)["customer_id"], flags=["do_not_call"])
    _changed(bus, informer, oid, "assigned", "new")
    assert control.originated() == [] and _order(service, oid)["inform_status"] == "skipped"
    informer.stop()


def test_visits_get_an_sms_and_a_reminder_the_day_before(service, ports, bus, control,
                                                          tmp_path, clock):
    informer = _informer(service, ports, bus, control, tmp_path)
    # clock: 2026-03-01 08:00 UTC = 11:30 in Tehran; the visit: 3 March 10:00-13:00 Tehran
    oid = _assigned(service, kind="visit", scheduled_for="2026-03-03T06:30:00Z",
                    window_end="2026-03-03T09:30:00Z", amount="450000",
                    instructions="Bring the filter.")
    _changed(bus, informer, oid, "scheduled", "")
    assert ports.sms[-1] == (NUMBER, "Your visit: 2026-03-03 between 10:00 and 13:00 at Vanak. "
                                     "Amount: 450,000. Bring the filter.")
    assert informer.remind_due() == []  # two days before
    clock.advance(days=1)
    assert informer.remind_due() == []  # the day before, 11:30: before the reminder hour
    clock.advance(hours=7)
    assert informer.remind_due() == [oid]
    assert ports.sms[-1][1].startswith("Reminder: your visit is tomorrow, 2026-03-03")
    assert informer.remind_due() == []  # once only
    informer.stop()


def test_the_ticker_releases_scheduled_orders_and_announces_them(service, bus, clock):
    with service.orders() as orders:
        oid = orders.create({"number": NUMBER, "pickup": "Vanak",
                             "scheduled_for": "2026-03-01T10:00:00Z"}, "anna")["id"]
    ticker = DeskTicker(service, None, bus.publish)
    assert ticker.release() == []
    clock.advance(hours=1, minutes=45)
    assert ticker.release() == [oid]
    assert (bus.of(OrderChanged)[-1].order_id, bus.of(OrderChanged)[-1].state) == (oid, "new")
