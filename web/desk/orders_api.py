"""``/api/orders``, ``/api/drivers`` and ``/api/streets``."""

from __future__ import annotations

import logging

from flask import jsonify, request

from appliance.desk.errors import BadInput
from appliance.desk.streets import history_matches
from appliance.i18n import N_
from web.desk.blueprint import body, bp, int_arg, who
from web.desk.store import desk_store, tell_core
from web.i18n import message

log = logging.getLogger("callbox.web.desk")

ORDER_FIELDS = ("number", "kind", "pickup", "city", "destination", "scheduled_for",
                "window_end", "car_class", "price", "comment", "items", "amount",
                "instructions", "call_id", "inform", "name")


@bp.post("/api/orders")
def create_order():
    data = body()
    unknown = set(data) - set(ORDER_FIELDS)
    if unknown:
        raise BadInput(N_("unknown field %(field)s"), field=sorted(unknown)[0])
    with desk_store() as desk:
        made = desk.orders.create(data, who())
    log.info("order %s (%s) created by %s", made["id"], made["state"], who())
    tell_core(kind="order", id=made["id"], state=made["state"], previous="")
    return jsonify(made), 201


@bp.get("/api/orders")
def orders():
    with desk_store() as desk:
        found = desk.orders.list(state=request.args.get("state", ""),
                                 number=request.args.get("number", ""),
                                 since=request.args.get("since", ""),
                                 until=request.args.get("until", ""),
                                 limit=int_arg("limit", 100))
    return jsonify(found)


@bp.get("/api/orders/<int:oid>")
def order(oid: int):
    with desk_store() as desk:
        found = desk.orders.get(oid)
        found["history"] = desk.orders.history(oid)
    return jsonify(found)


@bp.post("/api/orders/<int:oid>/state")
def order_state(oid: int):
    data = body()
    target = data.get("state")
    if not isinstance(target, str) or not target:
        raise BadInput(N_("give the new state"))
    driver = int_arg("driver", 0, data.get("driver")) or None
    eta = data.get("eta_min")
    eta_min = int_arg("eta_min", 0, eta) if eta not in (None, "") else None
    with desk_store() as desk:
        moved = desk.orders.transition(oid, target, who(), reason=str(data.get("reason") or ""),
                                       driver=driver, eta_min=eta_min)
    log.info("order %s %s -> %s by %s", oid, moved["previous"], moved["state"], who())
    tell_core(kind="order", id=oid, state=moved["state"], previous=moved["previous"])
    return jsonify({"id": oid, "state": moved["state"]})


@bp.get("/api/drivers")
def drivers():
    with desk_store() as desk:
        return jsonify(desk.drivers.list(active_only=request.args.get("all") != "1"))


@bp.post("/api/drivers")
def add_driver():
    data = body()
    with desk_store() as desk:
        did = desk.drivers.add(**{k: str(data.get(k) or "") for k in
                                  ("name", "phone", "car", "colour", "plate")})
        return jsonify(desk.drivers.get(did)), 201


@bp.get("/api/streets")
def streets():
    """The customer's own addresses first (``customer=<id>``), then the street list."""
    city, q = request.args.get("city", ""), request.args.get("q", "")
    limit = max(1, min(int_arg("limit", 10), 50))
    customer = int_arg("customer", 0)
    with desk_store() as desk:
        found = history_matches(desk.conn, customer, city, q, limit) if customer else []
        seen = {f["text"].casefold() for f in found}
        found += [m for m in desk.streets.match(city, q, limit)
                  if m["text"].casefold() not in seen]
    return jsonify(found[:limit])


@bp.post("/api/streets/import")
def import_streets():
    """A CSV file (``city,name[,kind]``) as the body or as the form field ``file``."""
    upload = request.files.get("file")
    if request.is_json:  # the page sends {"csv": text}
        data = body().get("csv")
        if not isinstance(data, str):
            raise BadInput(N_("send the CSV as {\"csv\": text}"))
    else:
        data = upload.read() if upload is not None else request.get_data()
    with desk_store() as desk:
        report = desk.streets.import_csv(data)
    errors = [{"line": e["line"], "message": message(e["msgid"], e["params"])}
              for e in report.errors]
    log.info("streets imported by %s: %d added, %d duplicates, %d bad rows", who(),
             report.added, report.duplicates, len(errors))
    return jsonify({"added": report.added, "duplicates": report.duplicates, "errors": errors})
