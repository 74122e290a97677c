"""The recovery page: when the settings or the users file is damaged, the web still
answers — every address shows what is wrong and how to put it right (503), instead of
the web process exiting and leaving the technician with no page at all.

Used two ways: ``callbox web`` serves :func:`create_recovery_app` when the config
cannot be loaded at start; a running app shows the same page when ``users.json``
turns out damaged (web.security registers the handler).
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from pathlib import Path

from flask import Flask, current_app, g, jsonify, render_template, request, session

from appliance.errors import ConfigError
from appliance.i18n import pick_language
from web import i18n
from web.context import EXTENSION, StreamSlots
from web.i18n import gettext as _

log = logging.getLogger("callbox.web")


def advice_for(problem: ConfigError) -> list[str]:
    """What a technician can do, for the file the problem names."""
    where = str(problem.key)
    steps = []
    if where.endswith("users.json"):
        steps.append(_("Restore a backup (Admin > Backup on a working box, or 'callbox backup "
                       "restore FILE'), or move users.json aside and run 'callbox user add admin "
                       "--role admin' to sign in again."))
    elif where.endswith((".json",)):
        steps.append(_("Restore a backup ('callbox backup restore FILE'), or import the "
                       "settings again from callbox.toml: 'callbox provision "
                       "/boot/firmware/callbox.toml'."))
    else:
        steps.append(_("Correct the named key in callbox.toml on the card's CALLBOXBOOT "
                       "drive ('callbox check-config FILE' names every bad key), then restart "
                       "the box."))
    steps.append(_("The call log and recordings are not touched by this."))
    return steps


def recovery_page(problem: ConfigError):
    log.error("web shows the recovery page: %s", problem)
    # the language without reading users.json (it may be the damaged file)
    office = getattr(current_app.extensions.get("callbox"), "config", None)
    g.lang = pick_language(session.get("lang"), office.office.language if office else None)
    if request.path.startswith("/api/"):
        response = jsonify({"error": "settings_damaged", "message": str(problem),
                            "recovery": advice_for(problem)})
        response.status_code = 503
        return response
    return render_template("recovery.html", problem=str(problem), steps=advice_for(problem)), 503


def create_recovery_app(problem: ConfigError, data_dir: Path | str) -> Flask:
    """An app with no users and no data: only the recovery page, at every address."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=1024, SECRET_KEY=b"recovery")
    # what the server code expects of an app (it caps live streams; there are none here)
    app.extensions[EXTENSION] = SimpleNamespace(streams=StreamSlots(1), config=None)
    i18n.register(app)
    app.jinja_env.globals.update(may_open=lambda *a: False, csrf_token=lambda: "",
                                 has_role=lambda *a: False)

    @app.context_processor
    def _ctx():
        return {"office_name": "callbox", "identity": None, "languages": [], "here": "/",
                "lang": "en", "t": None}

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def everything(path: str):
        return recovery_page(problem)

    from web.security import SECURITY_HEADERS

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
    return app
