"""One blueprint for the desk page and its API; desk errors become ``{error, message}``."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, g, jsonify, request

from appliance.desk.errors import BadInput, DeskError, PhoneTaken
from appliance.i18n import N_
from web.i18n import message

log = logging.getLogger("callbox.web.desk")

bp = Blueprint("desk", __name__, template_folder="templates", static_folder="static",
               static_url_path="/desk/static")


@bp.errorhandler(DeskError)
def _desk_error(exc: DeskError):
    payload: dict[str, Any] = {"error": exc.code, "message": message(exc.msgid, exc.params)}
    if isinstance(exc, PhoneTaken):
        payload["customer_id"] = exc.customer_id
    log.info("desk refused %s %s: %s", request.method, request.path, exc)
    response = jsonify(payload)
    response.status_code = exc.status
    return response


def body() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(data, dict):
        raise BadInput(N_("the body must be a JSON object"))
    return data


def int_arg(name: str, default: int, value: Any = None) -> int:
    raw = request.args.get(name) if value is None else value
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadInput(N_("%(field)s must be a whole number"), field=name) from None


def who() -> str:
    identity = g.get("identity")
    return identity.name if identity is not None else "?"
