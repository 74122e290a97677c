"""``/api/customers``: search, card, create, edit, merge, complaints."""

from __future__ import annotations

import logging

from flask import jsonify, request

from appliance.desk.errors import BadInput
from appliance.i18n import N_
from web.security import audit
from web.desk.blueprint import body, bp, int_arg, who
from web.desk.cards import full_card
from web.desk.store import desk_store, tell_core

log = logging.getLogger("callbox.web.desk")


def _list(data: dict, name: str) -> list[str] | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(N_("%(field)s must be a list of texts"), field=name)
    return value


def _text(data: dict, name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise BadInput(N_("%(field)s must be a text"), field=name)
    return value


@bp.get("/api/customers")
def customers():
    with desk_store() as desk:
        found = desk.customers.search(number=request.args.get("number") or None,
                                      q=request.args.get("q") or None,
                                      limit=int_arg("limit", 20))
    return jsonify(found)


@bp.get("/api/customers/<int:cid>")
def customer(cid: int):
    with desk_store() as desk:
        card = full_card(desk, cid)
    audit("customer.view", f"customer:{card['id']}")
    return jsonify(card)


@bp.post("/api/customers")
def create_customer():
    data = body()
    with desk_store() as desk:
        cid = desk.customers.create(_text(data, "name") or "", _list(data, "phones") or [],
                                    notes=_text(data, "notes") or "",
                                    flags=_list(data, "flags") or [],
                                    blacklist_reason=_text(data, "blacklist_reason") or "")
        card = full_card(desk, cid)
    log.info("customer %s created by %s", cid, who())
    tell_core(kind="customer", id=cid)
    return jsonify(card), 201


@bp.patch("/api/customers/<int:cid>")
def edit_customer(cid: int):
    data = body()
    with desk_store() as desk:
        desk.customers.update(cid, name=_text(data, "name"), notes=_text(data, "notes"),
                              flags=_list(data, "flags"),
                              blacklist_reason=_text(data, "blacklist_reason"),
                              phones=_list(data, "phones"))
        card = full_card(desk, cid)
    audit("customer.edit", f"customer:{cid}", fields=sorted(data))
    tell_core(kind="customer", id=cid)
    return jsonify(card)


@bp.post("/api/customers/<int:cid>/merge")
def merge(cid: int):
    source = int_arg("from", 0, body().get("from"))
    if not source:
        raise BadInput(N_("say which customer to merge: {\"from\": id}"))
    with desk_store() as desk:
        desk.customers.merge(cid, source)
        card = full_card(desk, cid)
    audit("customer.merge", f"customer:{cid}", merged_from=source)
    log.info("customer %s merged into %s by %s", source, cid, who())
    tell_core(kind="customer", id=cid)
    return jsonify(card)


@bp.post("/api/customers/<int:cid>/complaints")
def complaint(cid: int):
    data = body()
    order = data.get("order_id")
    with desk_store() as desk:
        complaint_id = desk.customers.add_complaint(
            cid, _text(data, "text") or "", who(),
            int_arg("order_id", 0, order) or None)
    tell_core(kind="customer", id=cid)
    return jsonify({"id": complaint_id, "customer_id": cid}), 201


