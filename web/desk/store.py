"""The desk's SQLite stores for one request (read-write: the web writes orders and
customers itself, the core only hears that something changed)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from appliance.control import ControlRequestError, CoreUnavailable
from appliance.desk.customers import Customers
from appliance.desk.drivers import Drivers
from appliance.desk.orders import Orders
from appliance.desk.streets import Streets
from appliance.store.db import db_path, open_db
from web.context import web_context

log = logging.getLogger("callbox.web.desk")


@dataclass
class Desk:
    conn: Any
    customers: Customers
    orders: Orders
    drivers: Drivers
    streets: Streets


@contextmanager
def desk_store() -> Iterator[Desk]:
    ctx = web_context()
    conn = open_db(db_path(ctx.data_dir))
    try:
        desk_cfg = getattr(ctx.config, "desk", None)
        orders = Orders(conn, ctx.config.office.country, city=office_city(),
                        lead_min=getattr(desk_cfg, "lead_min", 15))
        yield Desk(conn, orders.customers, orders, Drivers(conn), orders.streets)
    finally:
        conn.close()


def office_city() -> str:
    desk_cfg = getattr(web_context().config, "desk", None)
    return getattr(desk_cfg, "city", "") or ""


def tell_core(**change: Any) -> None:
    """Tell the core the desk changed (it publishes the event every open desk hears and
    the informer acts on). The change is saved already: a core that is down only
    delays the live update, so this never fails the request."""
    try:
        web_context().control.action("desk_changed", **change)
    except (CoreUnavailable, ControlRequestError) as exc:
        log.warning("desk change not announced (%s): %s", change, exc)
