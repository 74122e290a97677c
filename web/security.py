"""Who is asking (a session login or an ``Authorization: Bearer`` API token) and what
they may open.

Every request is checked in one ``before_request`` hook against ``ROUTE_ROLES``, the
route/role matrix: one row per endpoint. An endpoint without a row is refused to
everyone (and a unit test walks ``app.url_map`` and fails), so a new page or API route
is never open by accident. docs/security.md explains the matrix in words.
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from appliance.auth.privacy import mask
from appliance.errors import ConfigError
from web.context import web_context
from web.errors import api_error

log = logging.getLogger("callbox.web")

ADMIN, SUPERVISOR, DISPATCHER, TECHNICIAN = "admin", "supervisor", "dispatcher", "technician"
EVERYONE = (ADMIN, SUPERVISOR, DISPATCHER, TECHNICIAN)  # anyone signed in
OFFICE = (ADMIN, SUPERVISOR, DISPATCHER)  # people who may see customers' data
MANAGERS = (ADMIN, SUPERVISOR)  # exports, bulk views, actions on others
TECH = (ADMIN, TECHNICIAN)  # the box itself
ADMINS = (ADMIN,)
PUBLIC = "public"  # no sign-in needed
# what a user who must change their password may still open
PASSWORD_CHANGE_ENDPOINTS = {"auth.password", "auth.logout", "auth.language", "static"}

# The route/role matrix: endpoint -> roles that may use it (any method), or PUBLIC.
# "METHOD endpoint" rows override the plain row for that method (a page anyone may read
# whose form only some may send). Finer per-object rules (whose pause button) stay in
# the views (may_pause, may_call_back). Add a row for every route you add.
ROUTE_ROLES: dict[str, tuple[str, ...] | str] = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.language": PUBLIC,
    "auth.logout": EVERYONE,
    "auth.password": EVERYONE,
    "live.index": EVERYONE,
    "calls.page": EVERYONE,  # technicians see numbers masked
    "calls.export_csv": MANAGERS,
    "messages.page": OFFICE,
    "messages.send": OFFICE,
    "health.page": TECH,
    "api.status": EVERYONE,
    "api.events": EVERYONE,
    "api.calls": EVERYONE,  # technicians see numbers masked
    "api.action": MANAGERS,  # some actions need other roles: ACTION_ROLES_BY_NAME
    "api.pause": OFFICE,
    "queues.login": OFFICE,  # a dispatcher only themselves (may_pause)
    "queues.logout": OFFICE,
    "queues.pause_reasons": EVERYONE,
    "queues.pause_report": MANAGERS,
    "queues.supervise": MANAGERS,
    "queues.escalate": OFFICE,  # a dispatcher only their own call (may_pause)
    "transfers.start": OFFICE,  # a dispatcher only their own call (may_pause, web/transfers)
    "transfers.complete": OFFICE,
    "transfers.cancel": OFFICE,
    "recordings.page": MANAGERS,  # playback is audited (web/recordings)
    "recordings.list_api": MANAGERS,
    "recordings.audio": MANAGERS,
    "api.callback": OFFICE,
    "api.messages": OFFICE,
    "api.ussd": EVERYONE,  # operator replies (balance), no customer data
    "api.health": TECH,
    # admin pages (web/admin)
    "admin.users": ADMINS,
    "admin.add_user": ADMINS,
    "admin.update_user": ADMINS,
    "admin.reset_password": ADMINS,
    "admin.remove_user": ADMINS,
    "admin.tokens": ADMINS,
    "admin.create_token": ADMINS,
    "admin.revoke_token": ADMINS,
    "admin.audit_log": ADMINS,
    "admin.sip_bans": ADMINS,
    "admin.sip_unban": ADMINS,
    "admin.backup": ADMINS,
    "admin.download_backup": ADMINS,
    "admin.restore": ADMINS,
    "admin.tls": ADMINS,
    "admin.install_tls": ADMINS,
    "admin.settings": ADMINS,
    "admin.save_settings": ADMINS,
    # the technician's tools (web/admin/tools.py)
    "tools.page": TECH,
    "tools.act": TECH,
    "tools.test_call": TECH,
    "tools.logs": TECH,
    # the dispatcher desk (web/desk): a dispatcher sees only their own desk (checked there)
    "desk.page": OFFICE,
    "desk.desk_state": OFFICE,
    "desk.customers": OFFICE,
    "desk.customer": OFFICE,
    "desk.create_customer": OFFICE,
    "desk.edit_customer": OFFICE,
    "desk.merge": OFFICE,
    "desk.complaint": OFFICE,
    "desk.create_order": OFFICE,
    "desk.orders": OFFICE,
    "desk.order": OFFICE,
    "desk.order_state": OFFICE,
    "desk.drivers": OFFICE,
    "desk.add_driver": OFFICE,
    "desk.streets": OFFICE,
    "desk.static": OFFICE,
    "desk.import_streets": MANAGERS,
    # the IVR editor (web/ivr): menus, hours, night mode, prompts
    "ivr.page": MANAGERS,
    "ivr.get_tree": MANAGERS,
    "ivr.put_tree": MANAGERS,
    "ivr.night": MANAGERS,
    "ivr.take_toml": ADMINS,
    "ivr.history": MANAGERS,
    "ivr.restore": MANAGERS,
    "ivr.prompts": MANAGERS,
    "ivr.prompt_audio": MANAGERS,
    "ivr.preview": MANAGERS,
    "ivr.upload": MANAGERS,
    "ivr.preview_audio": MANAGERS,
    "ivr.save_prompt": MANAGERS,
    "ivr.static": MANAGERS,
    # voicemail (web/voicemail): everyone who handles callers
    "voicemail.page": OFFICE,
    "voicemail.list_api": OFFICE,
    "voicemail.unread": OFFICE,
    "voicemail.audio": OFFICE,
    "voicemail.handled": OFFICE,
    "voicemail.static": OFFICE,
}

# Endpoints that take a body bigger than the app's MAX_CONTENT_LENGTH (bytes).
UPLOAD_LIMITS: dict[str, int] = {"admin.restore": 8 * 1024 ** 3}

ACTION_ROLES = MANAGERS
MESSAGE_ROLES = OFFICE
HEALTH_ROLES = TECH
CALLBACK_ROLES = OFFICE


def roles_for(endpoint: str | None, method: str = "GET") -> tuple[str, ...] | str | None:
    """The matrix row of an endpoint (None: no row, so nobody may use it)."""
    if endpoint is None:
        return None
    return ROUTE_ROLES.get(f"{method} {endpoint}", ROUTE_ROLES.get(endpoint))


def may_open(endpoint: str, method: str = "GET") -> bool:
    """May the current reader use this endpoint (for drawing links and buttons)?"""
    rule = roles_for(endpoint, method)
    if rule == PUBLIC:
        return True
    identity: Identity | None = g.get("identity")
    return identity is not None and rule is not None and identity.role in rule


@dataclass(frozen=True)
class Identity:
    name: str
    role: str
    via: str  # "session" | "token"
    dispatcher: str = ""  # the dispatcher this user works as (explicit link; "" = none)


def resolve_identity() -> Identity | None:
    users = web_context().users
    header = request.headers.get("Authorization", "")
    if header:  # a token decides alone, even if a session cookie came along
        scheme, _, token = header.partition(" ")
        info = users.token_info(token.strip()) if scheme.lower() == "bearer" else None
        return Identity(f"token:{info['id']}", info["role"], "token") if info else None
    # a session is good only while the store lists its id: sign-out, a password change
    # and disabling the user end it at once, whatever the cookie says
    account = users.session_account(session.get("user", ""), session.get("sid", ""))
    if account is None:
        return None
    g.must_change = account["must_change"]
    return Identity(account["name"], account["role"], "session", account["dispatcher"])


def _unauthenticated():
    if request.path.startswith("/api/"):
        response = api_error(401, "unauthorized",
                             "Sign in, or send 'Authorization: Bearer <token>'.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="callbox"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _check_identity():
    if request.endpoint in UPLOAD_LIMITS:  # before anything reads the body (CSRF)
        request.max_content_length = UPLOAD_LIMITS[request.endpoint]
    rule = roles_for(request.endpoint, request.method)
    if rule == PUBLIC:
        return None
    identity = resolve_identity()
    if identity is None:
        return _unauthenticated()
    g.identity = identity
    if g.get("must_change") and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        if request.path.startswith("/api/"):
            return api_error(403, "password_change_required",
                             "Choose your own password first (/password).")
        return redirect(url_for("auth.password"))
    if request.endpoint is not None:  # no endpoint: let Flask answer 404/405
        if rule is None:
            log.error("route %s has no row in ROUTE_ROLES; refused", request.endpoint)
            return forbidden(())
        if identity.role not in rule:
            return forbidden(rule)
    if identity.via == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
        return _check_same_origin_write()
    return None


def _check_same_origin_write():
    """A cookie-authenticated write must be one a cross-site page cannot forge."""
    if request.path.startswith("/api/"):
        if not request.is_json:  # other sites cannot send JSON without a CORS preflight
            return api_error(415, "json_required", "Send the request body as application/json.")
        return None
    check_csrf()
    return None


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    sent = request.form.get("csrf", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "The form expired; reload the page and try again.")


def audit(action: str, target: str = "", **details) -> None:
    """Record what the current reader did in the audit log (who, what, when, from where):
    call it for customer-card views, exports, recording playback and config changes."""
    identity: Identity | None = g.get("identity")
    actor = "anonymous" if identity is None else identity.name  # tokens: "token:<id>"
    log_ = web_context().audit
    if log_ is not None:
        log_.record(actor, action, target, request.remote_addr or "", details)


def sees_personal_data() -> bool:
    """Technicians (and tokens of that role) see customers' numbers masked, no texts."""
    identity: Identity | None = g.get("identity")
    return identity is not None and identity.role in OFFICE


def for_reader(data):
    """``data`` as the current reader may see it (masked for technicians)."""
    return data if sees_personal_data() else mask(data)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_cell(value):
    """A CSV/XLSX cell a spreadsheet will not run as a formula: text starting with = + -
    @ or a control character gets a leading apostrophe (shown as text, "+98…" keeps its
    plus). Use it for every exported cell that a caller or customer can influence."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths, so the login page cannot be used to send people elsewhere."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def has_role(*roles: str) -> bool:
    identity: Identity | None = g.get("identity")
    return identity is not None and identity.role in roles


def may_pause(identity: Identity | None, dispatcher: str) -> bool:
    """Supervisors and admins pause anyone; a dispatcher only the dispatcher their user
    is linked to (the user's ``dispatcher`` field; a token belongs to no person)."""
    if identity is None:
        return False
    if identity.role in ACTION_ROLES:
        return True
    return (identity.role == "dispatcher" and identity.via == "session"
            and bool(identity.dispatcher) and identity.dispatcher == dispatcher)


def may_call_back(identity: Identity | None, dispatcher: str) -> bool:
    """Who may ring whose phone for a callback: the same rule as pausing (supervisors and
    admins for any dispatcher, a dispatcher signed in under their own name as themselves)."""
    return may_pause(identity, dispatcher)


def forbidden(roles: tuple[str, ...]):
    if request.path.startswith("/api/"):
        return api_error(403, "forbidden", f"This needs one of the roles: "
                                           f"{', '.join(roles) or 'none (no rule)'}.")
    return render_template("forbidden.html", roles=roles), 403


def require_role(*roles: str) -> Callable:
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not has_role(*roles):
                return forbidden(roles)
            return view(*args, **kwargs)
        return wrapper
    return decorate


# No inline script or style anywhere: pages load /static files only (JSON settings sit in
# <script type="application/json">, which is data, not script).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if g.get("identity") is not None and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"  # personal data stays off disk caches
    return response


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the page came over HTTPS (directly or
    through the TLS front on loopback, which says so in X-Forwarded-Proto)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


class LoopbackProxyFix:
    """Honour X-Forwarded-For/-Proto only from the TLS front on loopback: a client that
    reaches waitress directly cannot fake its address (sign-in throttling counts it)."""

    def __init__(self, wsgi_app):
        self._plain, self._proxied = wsgi_app, ProxyFix(wsgi_app, x_for=1, x_proto=1)

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in ("127.0.0.1", "::1"):
            return self._proxied(environ, start_response)
        return self._plain(environ, start_response)


def register(app: Flask) -> None:
    app.wsgi_app = LoopbackProxyFix(app.wsgi_app)
    app.session_interface = SessionCookies()
    app.after_request(_security_headers)
    # a damaged users.json (or config) found while serving: the recovery page, not a 500
    from web.recovery import recovery_page
    app.register_error_handler(ConfigError, recovery_page)
    app.before_request(_check_identity)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["has_role"] = has_role
    app.jinja_env.globals["may_open"] = may_open
