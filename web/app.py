"""The Flask app factory: one app per call, everything it needs passed in."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

from appliance.audit.log import AuditLog
from appliance.auth import UserStore
from appliance.config.model import Config
from appliance.control import ControlClient, socket_path
from appliance.store.db import db_path
from appliance.system.health import HealthProbe
from web import api, auth, calls, errors, i18n, live, messages, render, security
from web import desk
from web import admin
from web import ivr, voicemail
from web import queues
from web import recordings
from web import transfers
from web import health as health_page
from web.context import EXTENSION, WebContext
from web.secret import load_or_create_secret

log = logging.getLogger("callbox.web")

MAX_BODY = 64 * 1024


def _office_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; showing times in UTC", name)
        return ZoneInfo("UTC")


def create_app(config: Config, data_dir: Path | str,
               control: ControlClient | None = None, health: HealthProbe | None = None) -> Flask:
    """A fresh app: sessions signed with ``<data>/web_secret``, users from
    ``<data>/users.json``, the call log and SMS from ``<data>/callbox.sqlite3``, live
    state from the core's control socket (``<data>/run/core.sock`` by default) and the
    box's health from ``health`` (by default a HealthProbe of this machine)."""
    data_dir = Path(data_dir)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=load_or_create_secret(data_dir),
        SESSION_COOKIE_NAME="callbox_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Set the cookie only when the session changes: a slow request answered late
        # must not put back an older session (e.g. undo a language switch).
        SESSION_REFRESH_EACH_REQUEST=False,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.web.session_hours),
        MAX_CONTENT_LENGTH=MAX_BODY,
    )
    app.json.sort_keys = False  # keep the contract's field order
    app.json.ensure_ascii = False
    app.extensions[EXTENSION] = WebContext(
        config=config, data_dir=data_dir,
        control=control or ControlClient(socket_path(data_dir)),
        users=UserStore(data_dir), tz=_office_zone(config.office.timezone),
        health=health or HealthProbe(data_dir), audit=AuditLog(db_path(data_dir)))
    i18n.register(app)
    errors.register(app)
    security.register(app)
    render.register(app)
    for blueprint in (auth.bp, live.bp, calls.bp, messages.bp, health_page.bp, api.bp, desk.bp,
                      admin.bp, admin.tools_bp, ivr.bp, voicemail.bp, queues.bp,
                      recordings.bp, transfers.bp):
        app.register_blueprint(blueprint)
    return app
