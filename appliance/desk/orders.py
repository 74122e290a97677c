"""Orders (rides and service visits) and their history. Owns ``orders`` and
``order_history``.

Every change is one short transaction that moves the state only if it is still
what the caller saw (``WHERE state = ?``), and stamps who and when in
``order_history``. An illegal move raises ``IllegalTransition`` and writes nothing.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from appliance.desk.clock import Now, utcnow
from appliance.desk.customers import Customers
from appliance.desk.db import write
from appliance.desk.errors import BadInput, IllegalTransition, NotFound
from appliance.desk.numbers import national
from appliance.desk.states import OPEN, TRANSITIONS, OrderState, is_open
from appliance.desk.streets import Streets
from appliance.i18n import N_
from appliance.store.db import iso, parse_iso

KINDS = ("ride", "visit")
INFORM = ("", "sms", "call", "ring", "none")
LIST_MAX = 500
_TEXT = ("destination", "car_class", "comment", "items", "instructions", "call_id")


def _when(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        moment = parse_iso(str(value))
    except ValueError:
        raise BadInput(N_("%(field)s is not a date and time: %(value)s"), field=field,
                       value=value) from None
    return iso(moment)


def _money(value: Any, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise BadInput(N_("%(field)s must be a number"), field=field) from None


class Orders:
    def __init__(self, conn: sqlite3.Connection, country: str, *, city: str = "",
                 lead_min: int = 15, now: Now = utcnow):
        self.conn = conn
        self.customers = Customers(conn, country, now)
        self.streets = Streets(conn)
        self.city = city
        self.lead = timedelta(minutes=lead_min)
        self._now = now

    # ------------------------------------------------------------ create
    def create(self, data: dict[str, Any], who: str) -> dict[str, Any]:
        kind = str(data.get("kind") or "ride")
        if kind not in KINDS:
            raise BadInput(N_("an order is a ride or a visit, not %(kind)s"), kind=kind)
        pickup = str(data.get("pickup") or "").strip()
        if not pickup:
            raise BadInput(N_("give the address") if kind == "visit"
                           else N_("give the pickup address"))
        number = self.customers.number(str(data.get("number") or ""))
        inform = str(data.get("inform") or "")
        if inform not in INFORM:
            raise BadInput(N_("unknown way to tell the customer: %(inform)s"), inform=inform)
        city = str(data.get("city") or self.city).strip()
        scheduled = _when(data.get("scheduled_for"), "scheduled_for")
        now = self._now()
        state = OrderState.SCHEDULED if scheduled and parse_iso(scheduled) - self.lead > now \
            else OrderState.NEW
        row = {k: str(data.get(k) or "").strip() for k in _TEXT}
        row.update(kind=kind, state=str(state), number=number, pickup=pickup, city=city,
                   in_street_list=int(self.streets.known(city, pickup)),
                   scheduled_for=scheduled, window_end=_when(data.get("window_end"), "window_end"),
                   price=_money(data.get("price"), "price"),
                   amount=_money(data.get("amount"), "amount"), inform=inform,
                   created_at=iso(now), created_by=who, updated_at=iso(now), updated_by=who)
        with write(self.conn):
            cid = self.customers.find_by_number(number)
            if cid is None:
                cid = self.customers.create(str(data.get("name") or ""), [str(data["number"])])
            row["customer_id"] = cid
            cur = self.conn.execute(f"INSERT INTO orders ({', '.join(row)}) VALUES "
                                    f"({', '.join('?' * len(row))})", tuple(row.values()))
            oid = int(cur.lastrowid)
            self._history(oid, who, None, str(state), "")
            self.customers.note_address(cid, pickup, city)
        return {"id": oid, "state": str(state), "customer_id": cid,
                "in_street_list": bool(row["in_street_list"])}

    # ------------------------------------------------------------ transitions
    def transition(self, oid: int, target: str, who: str, *, reason: str = "",
                   driver: int | None = None, eta_min: int | None = None) -> dict[str, Any]:
        order = self.get(oid)
        try:
            to = OrderState(target)
        except ValueError:
            raise BadInput(N_("unknown order state %(state)s"), state=target) from None
        current = OrderState(order["state"])
        if (current, to) not in TRANSITIONS:
            raise IllegalTransition(oid, current, to)
        sets: dict[str, Any] = {"state": str(to)}
        detail = self._requirements(TRANSITIONS[(current, to)], sets, reason, driver, eta_min)
        if eta_min is not None and to in (OrderState.ASSIGNED, OrderState.ARRIVING):
            sets.update(eta_min=int(eta_min),
                        eta_at=iso(self._now() + timedelta(minutes=int(eta_min))))
            detail = (detail + f" eta={int(eta_min)}min").strip()
        sets.update(updated_at=iso(self._now()), updated_by=who)
        with write(self.conn):
            cur = self.conn.execute(
                f"UPDATE orders SET {', '.join(f'{k} = ?' for k in sets)} "
                f"WHERE id = ? AND state = ?", (*sets.values(), oid, str(current)))
            if cur.rowcount != 1:  # someone else moved it first
                raise IllegalTransition(oid, self.get(oid)["state"], to)
            self._history(oid, who, str(current), str(to), detail)
        return {"id": oid, "state": str(to), "previous": str(current)}

    def _requirements(self, action: str | None, sets: dict, reason: str, driver: int | None,
                      eta_min: int | None) -> str:
        if action == "cancel":
            if not reason.strip():
                raise BadInput(N_("say why the order is cancelled"))
            sets["cancel_reason"] = reason.strip()
            return reason.strip()
        if action == "assign":
            if driver is None:
                raise BadInput(N_("choose the driver"))
            row = self.conn.execute("SELECT name FROM drivers WHERE id = ?", (driver,)).fetchone()
            if row is None:
                raise BadInput(N_("no driver #%(id)s"), id=driver)
            sets["driver_id"] = int(driver)
            return f"driver={row[0]}"
        return ""

    def release_due(self) -> list[int]:
        """Scheduled orders whose lead time has come become ``new``; returns their ids."""
        limit = iso(self._now() + self.lead)
        due = [r[0] for r in self.conn.execute(
            "SELECT id FROM orders WHERE state = 'scheduled' AND scheduled_for <= ?", (limit,))]
        moved = []
        for oid in due:
            try:
                self.transition(oid, OrderState.NEW, "box")
                moved.append(oid)
            except IllegalTransition:
                pass  # cancelled meanwhile
        return moved

    def set_inform(self, oid: int, status: str, detail: str = "", who: str = "box") -> None:
        """Record how telling the customer went (sent, delivered, answered, failed...)."""
        with write(self.conn):
            row = self.conn.execute("SELECT state FROM orders WHERE id = ?", (oid,)).fetchone()
            if row is None:
                raise NotFound(N_("no order #%(id)s"), id=oid)
            self.conn.execute("UPDATE orders SET inform_status = ?, inform_detail = ? "
                              "WHERE id = ?", (status, detail, oid))
            self._history(oid, who, row[0], row[0], f"inform: {status} {detail}".strip())

    def mark_reminded(self, oid: int) -> None:
        with write(self.conn):
            self.conn.execute("UPDATE orders SET reminded_at = ? WHERE id = ?",
                              (iso(self._now()), oid))

    def _history(self, oid: int, who: str, old: str | None, new: str, detail: str) -> None:
        self.conn.execute("INSERT INTO order_history (order_id, at, who, from_state, to_state, "
                          "detail) VALUES (?, ?, ?, ?, ?, ?)",
                          (oid, iso(self._now()), who, old, new, detail))

    # ------------------------------------------------------------ reads
    def get(self, oid: int) -> dict[str, Any]:
        row = self.conn.execute(
            "SELECT o.*, d.name AS driver, d.car, d.colour, d.plate, d.phone AS driver_phone "
            "FROM orders o LEFT JOIN drivers d ON d.id = o.driver_id WHERE o.id = ?",
            (oid,)).fetchone()
        if row is None:
            raise NotFound(N_("no order #%(id)s"), id=oid)
        return _public(row, self.customers.country)

    def history(self, oid: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(
            "SELECT at, who, from_state, to_state, detail FROM order_history WHERE order_id = ? "
            "ORDER BY id", (oid,))]

    def list(self, *, state: str = "", number: str = "", since: str = "", until: str = "",
             customer_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        where, args = [], []
        if state:
            states = [s.strip() for s in state.split(",") if s.strip()]
            if states == ["open"]:
                states = [str(s) for s in OPEN]
            for s in states:
                if s not in OrderState.__members__.values():
                    raise BadInput(N_("unknown order state %(state)s"), state=s)
            where.append(f"o.state IN ({','.join('?' * len(states))})")
            args += states
        if number:
            where.append("o.number = ?")
            args.append(self.customers.number(number))
        if customer_id is not None:
            where.append("o.customer_id = ?")
            args.append(customer_id)
        for value, op, name in ((since, ">=", "since"), (until, "<", "until")):
            if value:
                where.append(f"o.created_at {op} ?")
                args.append(_when(value, name))
        sql = ("SELECT o.*, d.name AS driver, d.car, d.colour, d.plate, d.phone AS driver_phone "
               "FROM orders o LEFT JOIN drivers d ON d.id = o.driver_id"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY o.created_at DESC, o.id DESC LIMIT ?")
        args.append(max(1, min(int(limit), LIST_MAX)))
        return [_public(r, self.customers.country) for r in self.conn.execute(sql, args)]

    def open_for(self, number: str) -> dict[str, Any] | None:
        """The newest open order of the customer this number belongs to."""
        cid = self.customers.find_by_number(number)
        if cid is None:
            return None
        rows = self.list(state="open", customer_id=cid, limit=1)
        return rows[0] if rows else None


def _public(row: sqlite3.Row, country: str) -> dict[str, Any]:
    out = dict(row)
    out["number_shown"] = national(out["number"], country)
    out["in_street_list"] = bool(out["in_street_list"])
    out["open"] = is_open(out["state"])
    return out


def minutes_left(order: dict[str, Any], now: datetime) -> int | None:
    """Whole minutes until the car is there (0 when late), or None without an ETA."""
    if not order.get("eta_at"):
        return None
    seconds = (parse_iso(order["eta_at"]) - now).total_seconds()
    return max(0, int(-(-seconds // 60)))
