"""Who is asking: a session login or an ``Authorization: Bearer`` API token.

Every request is checked in one ``before_request`` hook, so a new page or API
route is protected without anyone remembering to decorate it.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, g, redirect, render_template, request, session, url_for

from web.context import web_context
from web.errors import api_error

PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static"}
ACTION_ROLES = ("supervisor", "admin")
MESSAGE_ROLES = ("dispatcher", "supervisor", "technician", "admin")  # everyone signed in
HEALTH_ROLES = ("technician", "admin")
CALLBACK_ROLES = ("dispatcher", "supervisor", "admin")


@dataclass(frozen=True)
class Identity:
    name: str
    role: str
    via: str  # "session" | "token"


def resolve_identity() -> Identity | None:
    users = web_context().users
    header = request.headers.get("Authorization", "")
    if header:  # a token decides alone, even if a session cookie came along
        scheme, _, token = header.partition(" ")
        role = users.check_token(token.strip()) if scheme.lower() == "bearer" else None
        return Identity("token", role, "token") if role else None
    name = session.get("user")
    role = users.role_of(name) if name else None  # a deleted user is signed out at once
    return Identity(name, role, "session") if role else None


def _unauthenticated():
    if request.path.startswith("/api/"):
        response = api_error(401, "unauthorized",
                             "Sign in, or send 'Authorization: Bearer <token>'.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="callbox"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _check_identity():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    identity = resolve_identity()
    if identity is None:
        return _unauthenticated()
    g.identity = identity
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
    """Supervisors and admins pause anyone; a dispatcher only themselves, and only when
    signed in under the dispatcher's own name (a token belongs to no person)."""
    if identity is None:
        return False
    if identity.role in ACTION_ROLES:
        return True
    return (identity.role == "dispatcher" and identity.via == "session"
            and identity.name == dispatcher)


def may_call_back(identity: Identity | None, dispatcher: str) -> bool:
    """Who may ring whose phone for a callback: the same rule as pausing (supervisors and
    admins for any dispatcher, a dispatcher signed in under their own name as themselves)."""
    return may_pause(identity, dispatcher)


def forbidden(roles: tuple[str, ...]):
    if request.path.startswith("/api/"):
        return api_error(403, "forbidden", f"This needs one of the roles: {', '.join(roles)}.")
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


def register(app: Flask) -> None:
    app.before_request(_check_identity)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["has_role"] = has_role
