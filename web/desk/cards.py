"""The caller's card: who they are, where they go, what happened last, and why to take care."""

from __future__ import annotations

import logging
from typing import Any

from appliance.desk.errors import NotFound
from appliance.desk.numbers import national, try_normalise
from web.desk.store import Desk
from web.i18n import label

log = logging.getLogger("callbox.web.desk")

LAST_N = 10
CALL_FIELDS = ("call_id", "direction", "line", "caller", "callee", "started_at", "ended_at",
               "dispatcher", "disposition", "hangup_cause", "wait_s")


def full_card(desk: Desk, customer_id: int) -> dict[str, Any]:
    """``GET /api/customers/<id>``: the summary plus orders, calls, complaints, alerts."""
    card = desk.customers.get(customer_id)
    cid = card["id"]
    card["orders"] = [_order_line(o) for o in desk.orders.list(customer_id=cid, limit=LAST_N)]
    card["calls"] = last_calls(desk, card["phones"])
    card["complaints"] = [dict(r) for r in desk.conn.execute(
        "SELECT id, order_id, text, opened_at, opened_by FROM complaints WHERE customer_id = ? "
        "AND closed_at IS NULL ORDER BY id DESC", (cid,))]
    card["open_orders"] = [o for o in card["orders"] if o["open"]]
    card["alerts"] = _alerts(card)
    card["new"] = False
    return card


def card_for_number(desk: Desk, raw: str) -> dict[str, Any] | None:
    """The card of whoever has this number; an unknown number gets a new card with it."""
    e164 = try_normalise(raw, desk.customers.country)
    if e164 is None:
        return None  # withheld, anonymous: nothing to look up
    cid = desk.customers.find_by_number(e164)
    if cid is not None:
        try:
            return full_card(desk, cid)
        except NotFound:
            pass
    return {"id": None, "name": "", "phones": [e164], "phones_raw": [raw],
            "phones_shown": [national(e164, desk.customers.country)], "notes": "",
            "flags": [], "blacklist_reason": "", "addresses": [], "orders": [],
            "calls": last_calls(desk, [e164]), "complaints": [], "open_orders": [],
            "alerts": [], "new": True}


def last_calls(desk: Desk, phones: list[str]) -> list[dict[str, Any]]:
    if not phones:
        return []
    marks = ",".join("?" * len(phones))
    rows = desk.conn.execute(
        f"SELECT {', '.join(CALL_FIELDS)} FROM calls WHERE caller IN ({marks}) "
        f"OR callee IN ({marks}) ORDER BY started_at DESC LIMIT ?", (*phones, *phones, LAST_N))
    calls = [dict(r) for r in rows]
    for call in calls:  # in the reader's language (the call log's words)
        call["disposition_label"] = label("disposition", call["disposition"])
        call["direction_label"] = label("direction", call["direction"])
    return calls


def _order_line(order: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "kind", "state", "open", "pickup", "city", "destination", "created_at",
            "scheduled_for", "cancel_reason", "driver", "eta_min", "inform", "inform_status",
            "amount", "price")
    return {k: order.get(k) for k in keep}


def _alerts(card: dict[str, Any]) -> list[dict[str, Any]]:
    alerts = []
    if "blacklist" in card["flags"]:
        alerts.append({"kind": "blacklist", "reason": card["blacklist_reason"]})
    for order in card["open_orders"]:
        alerts.append({"kind": "open_order", "order_id": order["id"], "state": order["state"]})
    return alerts
