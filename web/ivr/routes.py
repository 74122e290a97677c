"""``/ivr`` (the editor page) and ``/api/ivr``: read, save, night mode, take callbox.toml's.

Saving validates against this box (queues, dispatchers, prompts in every language a
caller can reach), stores a new version in ``<data>/ivr.json`` and asks the core to
reload it (``ivr_reload``): the next call uses it; calls in the menu finish on the
old tree. With the core down the tree is saved and used when the core starts.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, jsonify, render_template, request, url_for

from appliance.control import ControlClient, ControlRequestError, CoreUnavailable
from appliance.errors import CallboxError
from appliance.i18n import LANGUAGE_NAMES
from appliance.ivr.document import TreeError, config_to_doc, doc_to_config
from appliance.ivr.store import IvrStore
from appliance.ivr.validate import validate
from web.context import web_context
from web.errors import api_error
from web.i18n import current_language, gettext as _, js_strings, message
from web.ivr.blueprint import bp
from web.ivr.strings import JS_STRINGS
from web.ivr.tree import known, merge_jalali, with_jalali
from web.security import audit

log = logging.getLogger("callbox.web.ivr")

META = ("version", "source", "saved_at", "saved_by")
RELOAD_TIMEOUT_S = 30.0


def store() -> IvrStore:
    return IvrStore(web_context().data_dir)


def self_service_here() -> bool:
    try:
        import appliance.desk.selfservice  # noqa: F401
    except ImportError:
        return False
    return True


def who() -> str:
    identity = g.get("identity")
    return identity.name if identity is not None else "?"


def current_doc() -> dict[str, Any]:
    """The tree in force with its version; callbox.toml's when nothing is stored yet."""
    record = store().current()
    cfg = web_context().config
    if record is None:
        doc = config_to_doc(cfg.ivr)
        meta = {"version": 0, "source": "toml", "saved_at": None, "saved_by": None}
    else:
        doc, meta = record["tree"], {k: record.get(k) for k in META}
    pending = (record or {}).get("pending_toml")
    return {**with_jalali(doc), **meta,
            "pending_toml": {"seen_at": pending["seen_at"]} if pending else None,
            "night_switch": core_ivr_status().get("night_switch")}


def core_ivr_status() -> dict[str, Any]:
    """What the core has in force (version, night switch); {} when it is down."""
    try:
        return web_context().control.action("ivr_status") or {}
    except (CoreUnavailable, ControlRequestError):
        return {}


def tree_error(exc: TreeError):
    first = exc.first
    response = jsonify({"error": first.error, "message": message(first.msgid, first.params),
                        "node": first.node,
                        "problems": [{**p.to_json(), "message": message(p.msgid, p.params)}
                                     for p in exc.problems]})
    response.status_code = 400
    return response


def reload_core() -> dict[str, Any]:
    """Ask the core to put the stored tree in force; what happened, for the reply. The
    first reload reaching a new caller language makes its prompts (seconds on a Pi), so
    this one request waits longer than the usual status calls."""
    control = web_context().control
    try:
        status = ControlClient(control.path, timeout=max(control.timeout, RELOAD_TIMEOUT_S)
                               ).action("ivr_reload")
        return {"applied": True, "core": status}
    except CoreUnavailable:
        return {"applied": False, "reason": "core_down"}
    except ControlRequestError as exc:
        log.error("the core refused the saved IVR tree: %s", exc.message)
        # reason stays the core's English (logs, scripts); message is for the reader
        params = {k: v for k, v in exc.params.items() if k != "node"}
        return {"applied": False, "reason": exc.message, "node": exc.params.get("node"),
                "message": message(exc.msgid or exc.message, params)}


@bp.get("/ivr")
def page():
    ctx = web_context()
    settings = {
        "strings": js_strings(JS_STRINGS), "lang": current_language(),
        "officeLang": ctx.config.office.language,
        "treeUrl": url_for("ivr.get_tree"), "nightUrl": url_for("ivr.night"),
        "takeTomlUrl": url_for("ivr.take_toml"), "promptsUrl": url_for("ivr.prompts"),
        "historyUrl": url_for("ivr.history"), "restoreUrl": url_for("ivr.restore"),
        "previewUrl": url_for("ivr.preview"), "uploadUrl": url_for("ivr.upload"),
        "savePromptUrl": url_for("ivr.save_prompt"),
        "queues": [q.name for q in ctx.config.queue],
        "dispatchers": [d.name for d in ctx.config.dispatcher],
        "selfService": self_service_here(), "langNames": dict(LANGUAGE_NAMES),
    }
    return render_template("ivr/ivr.html", settings=settings)


@bp.get("/api/ivr")
def get_tree():
    response = jsonify(current_doc())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.put("/api/ivr")
def put_tree():
    doc = request.get_json(silent=True)
    try:
        cfg = doc_to_config(merge_jalali(doc if isinstance(doc, dict) else None))
        problems = validate(cfg, known(web_context().config, web_context().data_dir,
                                       self_service_here()))
        if problems:
            raise TreeError(problems)
    except TreeError as exc:
        log.info("IVR tree refused (%s at %s) for user=%s", exc.first.error, exc.first.node,
                 who())
        return tree_error(exc)
    record = store().save(config_to_doc(cfg), who())
    audit("ivr.save", f"ivr v{record['version']}", menus=[m.id for m in cfg.menus])
    return jsonify({"ok": True, "version": record["version"], **reload_core()})


@bp.post("/api/ivr/night")
def night():
    body = request.get_json(silent=True)
    on = body.get("on") if isinstance(body, dict) else None
    if not isinstance(on, bool):
        return api_error(400, "bad_request", _('The body must be {"on": true|false}.'))
    try:
        if store().current() is None:  # nothing stored yet: callbox.toml's tree first
            store().import_toml(web_context().config.ivr)
        record = store().set_night(on, who())
    except CallboxError as exc:
        return api_error(409, "action_failed", message(exc.msgid or str(exc), exc.params))
    audit("ivr.night_mode", "on" if on else "off")
    return jsonify({"ok": True, "night_mode": on, "version": record["version"],
                    **reload_core()})


@bp.post("/api/ivr/take-toml")
def take_toml():
    record = store().take_toml(who())
    if record is None:
        return api_error(409, "nothing_pending", _("callbox.toml has no newer IVR tree."))
    audit("ivr.take_toml", f"ivr v{record['version']}")
    return jsonify({"ok": True, "version": record["version"], **reload_core()})


@bp.get("/api/ivr/history")
def history():
    """The kept versions, newest first: ``[{version, source, saved_at, saved_by}]``."""
    return jsonify([{k: r.get(k) for k in META} for r in store().history()])


@bp.post("/api/ivr/restore")
def restore():
    """``{"version": n}``: that version's tree, validated again, becomes the next version."""
    body = request.get_json(silent=True)
    wanted = body.get("version") if isinstance(body, dict) else None
    if isinstance(wanted, bool) or not isinstance(wanted, int):
        return api_error(400, "bad_request", _('The body must be {"version": n}.'))
    old = store().version(wanted)
    if old is None:
        return api_error(404, "not_found", _("Version %(n)s is no longer kept.", n=wanted))
    try:
        cfg = doc_to_config(old["tree"])
        problems = validate(cfg, known(web_context().config, web_context().data_dir,
                                       self_service_here()))
        if problems:
            raise TreeError(problems)
    except TreeError as exc:
        return tree_error(exc)
    record = store().save(config_to_doc(cfg), who())
    audit("ivr.restore", f"ivr v{record['version']}", restored=wanted)
    return jsonify({"ok": True, "version": record["version"], **reload_core()})

