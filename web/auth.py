"""Sign in and out (sessions), and the language switch."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request, session, url_for

from web.context import web_context
from web.i18n import LANGUAGES
from web.render import translator
from web.security import check_csrf, safe_next

log = logging.getLogger("callbox.web")

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        name = request.form.get("username", "").strip()
        if web_context().users.verify(name, request.form.get("password", "")):
            lang = session.get("lang")
            session.clear()  # a fresh session: nothing from before the login survives
            session["user"] = name
            if lang:
                session["lang"] = lang
            session.permanent = True
            log.info("signed in user=%s", name)
            return redirect(safe_next(request.args.get("next")))
        log.warning("failed sign-in user=%s from=%s", name, request.remote_addr)
        error = translator()("bad_login")
    page = render_template("login.html", error=error, next=request.args.get("next", ""))
    return page, (401 if error else 200)


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")))
