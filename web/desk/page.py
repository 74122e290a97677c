"""``/desk`` and ``/api/desk``: whose call rings, and the caller's card.

A dispatcher sees their own desk; supervisors and admins any dispatcher's. A web user
is a dispatcher through the ``dispatcher`` field of their account, else by a name
that matches a configured dispatcher (case-insensitively).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, g, jsonify, render_template, request, url_for

from appliance.control import ControlRequestError, CoreUnavailable
from appliance.desk.states import OrderState
from web.context import web_context
from web.security import audit
from web.desk.blueprint import bp
from web.desk.cards import card_for_number
from web.desk.store import desk_store, office_city
from web.desk.strings import JS_STRINGS
from web.i18n import current_translator, gettext as _, js_strings
from web.security import has_role

log = logging.getLogger("callbox.web.desk")

MANAGERS = ("supervisor", "admin")


def linked_dispatcher() -> str | None:
    """The dispatcher the signed-in user works as (None for tokens and unlinked users)."""
    identity = g.get("identity")
    if identity is None or identity.via != "session":
        return None
    account = web_context().users.account(identity.name) or {}
    names = {d.name.casefold(): d.name for d in web_context().config.dispatcher}
    linked = str(account.get("dispatcher") or "").strip()
    if linked:
        return names.get(linked.casefold(), linked)
    return names.get(identity.name.casefold())


def chosen_dispatcher(asked: str | None) -> str | None:
    """Whose desk: one's own, or (supervisors, admins, tokens) the one asked for."""
    own = linked_dispatcher()
    if asked and asked != own:
        if not has_role(*MANAGERS):  # a dispatcher's token belongs to no desk either
            abort(403, _("A dispatcher sees only their own desk."))
        if asked not in {d.name for d in web_context().config.dispatcher}:
            abort(404, _("No dispatcher named %(name)s.", name=asked))
        return asked
    return own


def desk_state(dispatcher: str | None) -> dict[str, Any]:
    """``{dispatcher, state, call, customer, colleague}`` (the ``GET /api/desk`` contract).
    ``colleague``: a call with another dispatcher's phone; never looked up as a customer."""
    out: dict[str, Any] = {"dispatcher": dispatcher, "state": "idle", "call": None,
                           "customer": None, "colleague": None}
    if dispatcher is None:
        return out
    try:
        live = web_context().control.action("desk", dispatcher=dispatcher) or {}
    except CoreUnavailable:
        out["state"] = "core_down"
        return out
    except ControlRequestError as exc:
        log.warning("desk state of %s: %s", dispatcher, exc)
        return out
    out["state"], out["call"] = live.get("state", "idle"), live.get("call")
    out["colleague"] = live.get("colleague")
    if out["call"] and out["call"].get("caller"):
        with desk_store() as desk:
            out["customer"] = card_for_number(desk, out["call"]["caller"])
        if out["customer"] and out["customer"]["id"]:
            audit("customer.view", f"customer:{out['customer']['id']}",
                  call_id=out["call"].get("call_id"))
    return out


@bp.get("/api/desk", endpoint="desk_state")
def desk_api():
    return jsonify(desk_state(chosen_dispatcher(request.args.get("dispatcher"))))




@bp.get("/desk")
def page():
    dispatcher = chosen_dispatcher(request.args.get("dispatcher"))
    t = current_translator()
    with desk_store() as desk:
        drivers = desk.drivers.list()
        cities = desk.streets.cities()
    city = office_city() or (cities[0] if cities else "")
    settings = {
        "lang": t.lang, "dispatcher": dispatcher, "city": city, "cities": cities,
        "drivers": drivers, "states": [str(s) for s in OrderState],
        "strings": js_strings(JS_STRINGS), "timezone": web_context().tz.key,
        "urls": {"desk": url_for("desk.desk_state"), "events": url_for("api.events"),
                 "customers": url_for("desk.customers"), "orders": url_for("desk.orders"),
                 "streets": url_for("desk.streets"), "drivers": url_for("desk.drivers"),
                 "import": url_for("desk.import_streets"), "status": url_for("api.status"),
                 "transfer": url_for("transfers.start", call_id="__call__")},
        "canChoose": has_role(*MANAGERS),
        "dispatchers": [d.name for d in web_context().config.dispatcher],
    }
    return render_template("desk/desk.html", settings=settings, dispatcher=dispatcher,
                           city=city)
