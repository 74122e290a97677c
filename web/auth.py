"""Sign in (throttled) and out (server-side sessions), password change, and the
language switch."""

from __future__ import annotations

import logging

from flask import (Blueprint, abort, g, redirect, render_template, request, session,
                   url_for)

from appliance.auth.users import MIN_PASSWORD, AuthError
from web.context import web_context
from web.i18n import LANGUAGES, remember_language
from web.i18n import gettext as _
from web.security import check_csrf, safe_next

log = logging.getLogger("callbox.web")

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        check_csrf()
        name = request.form.get("username", "").strip()[:64]
        error, status = _try_sign_in(name, request.form.get("password", "")[:1024])
        if error is None:
            return redirect(safe_next(request.args.get("next")))
    page = render_template("login.html", error=error, next=request.args.get("next", ""))
    return page, status


def _try_sign_in(name: str, password: str) -> tuple[str | None, int]:
    """(None, 302) when signed in, else the message to show and the status."""
    ctx = web_context()
    users, throttle = ctx.users, ctx.throttle
    keys = (f"user:{name}", f"addr:{request.remote_addr}")
    wait = throttle.wait_s(*keys)
    if wait > 0:
        log.warning("sign-in throttled from=%s wait=%.0fs", request.remote_addr, wait)
        return _("Too many wrong passwords. Try again in %(s)d seconds.", s=int(wait) + 1), 429
    if users.is_locked(name):
        log.warning("sign-in refused: user %s is locked from=%s", name, request.remote_addr)
        return _("This user is locked after too many wrong passwords; an admin can "
                 "unlock it."), 403
    if users.verify(name, password):
        for key in keys:
            throttle.clear(key)
        _start_session(name)
        log.info("signed in user=%s from=%s", name, request.remote_addr)
        return None, 302
    _count_failure(name, keys)
    return _("Wrong user name or password."), 401


def _count_failure(name: str, keys: tuple[str, str]) -> None:
    ctx = web_context()
    known = ctx.users.account(name) is not None
    failures = ctx.throttle.failed(keys[0])
    ctx.throttle.failed(keys[1])
    # an unknown name may be a password typed into the wrong box: never log it
    log.warning("failed sign-in user=%s from=%s", name if known else "(unknown)",
                request.remote_addr)
    if known and ctx.throttle.should_lock(failures):
        ctx.users.update_user(name, locked=True)
        log.warning("user %s locked after %d wrong passwords", name, failures)


def _start_session(name: str) -> None:
    lang = session.get("lang")
    session.clear()  # a fresh session: nothing from before the login survives
    session["user"] = name
    session["sid"] = web_context().users.start_session(name)
    if lang:
        session["lang"] = lang
    session.permanent = True


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    web_context().users.end_session(session.get("user", ""), session.get("sid", ""))
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def password():
    """Change one's own password (forced at the first sign-in with a generated one)."""
    identity, problems = g.identity, {}
    if identity.via != "session":
        abort(403)
    if request.method == "POST":
        problems = _change_password(identity.name)
        if not problems:
            return render_template("password.html", problems={}, done=True, forced=False,
                                   min_length=MIN_PASSWORD)
    page = render_template("password.html", problems=problems, done=False,
                           forced=bool(g.get("must_change")), min_length=MIN_PASSWORD)
    return page, (400 if problems else 200)


def _change_password(name: str) -> dict[str, str]:
    users = web_context().users
    current, new = request.form.get("current", ""), request.form.get("new", "")
    if not users.verify(name, current):
        return {"current": _("The current password is wrong.")}
    if new != request.form.get("repeat", ""):
        return {"repeat": _("The two new passwords differ.")}
    if new == current:
        return {"new": _("Choose a password different from the current one.")}
    try:
        users.set_password(name, new)
    except AuthError:
        return {"new": _("A password needs at least %(n)d characters.", n=MIN_PASSWORD)}
    session["sid"] = users.start_session(name)  # this browser stays signed in
    return {}


@bp.get("/lang/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
        if session.get("user"):  # signed in: the choice follows the user to any browser
            remember_language(session["user"], code)
    return redirect(safe_next(request.args.get("next")))
