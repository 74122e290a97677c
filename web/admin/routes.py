"""The admin pages' routes (roles in web.security.ROUTE_ROLES: admin only)."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from appliance.auth.users import MIN_PASSWORD, ROLES, AuthError
from appliance.i18n import LANGUAGE_NAMES, LANGUAGES
from web.admin import forms
from web.admin.forms import FormError
from web.context import web_context
from web.i18n import gettext as _
from web.security import audit

log = logging.getLogger("callbox.web")

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def _dispatchers() -> list[str]:
    return [d.name for d in web_context().config.dispatcher]


def _users_page(problem: FormError | None = None, status: int = 200):
    ctx = web_context()
    page = render_template(
        "admin/users.html", users=ctx.users.users(), roles=ROLES,
        languages=[("", _("Office language"))] + [(c, LANGUAGE_NAMES[c]) for c in LANGUAGES],
        dispatchers=_dispatchers(), problem=problem, min_length=MIN_PASSWORD,
        form=request.form if problem else {})
    return page, status


@bp.get("/users")
def users():
    return _users_page()


@bp.post("/users")
def add_user():
    form = request.form
    try:
        name = forms.text(form, "name", _("A user name is 1 to 64 characters without spaces."))
        role = forms.role(form, _("Choose one of the roles."))
        dispatcher = forms.dispatcher(form, _dispatchers(), _("Choose a configured dispatcher."))
        language = forms.language(form, _("Choose one of the languages."))
        password = form.get("password", "")
        if len(password) < MIN_PASSWORD:
            raise FormError("password", _("A password needs at least %(n)d characters.",
                                          n=MIN_PASSWORD))
        try:
            web_context().users.add_user(name, password, role, dispatcher=dispatcher,
                                         language=language, must_change=True)
        except AuthError as exc:
            raise FormError("name", _("This user cannot be added: %(why)s", why=str(exc)))
    except FormError as problem:
        return _users_page(problem, status=400)
    audit("user.add", name, role=role, dispatcher=dispatcher, language=language)
    flash(_("User %(name)s added.", name=name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<name>")
def update_user(name: str):
    """One user's row: role, language, linked dispatcher, disabled, unlock."""
    form = request.form
    try:
        fields = {"role": forms.role(form, _("Choose one of the roles.")),
                  "dispatcher": forms.dispatcher(form, _dispatchers(),
                                                 _("Choose a configured dispatcher.")),
                  "language": forms.language(form, _("Choose one of the languages.")),
                  "disabled": form.get("disabled") == "1"}
        if form.get("unlock") == "1":
            fields["locked"] = False
        if name == g_name() and (fields["disabled"] or fields["role"] != "admin"):
            raise FormError("role", _("You cannot disable yourself or take away your own "
                                      "admin role."))
        try:
            web_context().users.update_user(name, **fields)
        except AuthError as exc:
            raise FormError("name", str(exc))
    except FormError as problem:
        return _users_page(problem, status=400)
    if fields.get("locked") is False:
        web_context().throttle.clear(f"user:{name}")
    audit("user.change", name, **fields)
    flash(_("User %(name)s saved.", name=name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<name>/password")
def reset_password(name: str):
    password = request.form.get("password", "")
    try:
        web_context().users.set_password(name, password, must_change=True)
    except AuthError:
        problem = FormError("password", _("A password needs at least %(n)d characters.",
                                          n=MIN_PASSWORD))
        return _users_page(problem, status=400)
    audit("user.password_reset", name)
    flash(_(
        "New password for %(name)s set; they choose their own at the next sign-in.", name=name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<name>/remove")
def remove_user(name: str):
    if name == g_name():
        return _users_page(FormError("name", _("You cannot remove yourself.")), status=400)
    if not web_context().users.remove_user(name):
        return _users_page(FormError("name", _("There is no such user.")), status=404)
    audit("user.remove", name)
    flash(_("User %(name)s removed.", name=name))
    return redirect(url_for("admin.users"))


def g_name() -> str:
    return g.identity.name


# -- API tokens --------------------------------------------------------------------------
@bp.get("/tokens")
def tokens():
    return render_template("admin/tokens.html", tokens=web_context().users.tokens(),
                           roles=ROLES, created=None, problem=None)


@bp.post("/tokens")
def create_token():
    try:
        label = forms.text(request.form, "label", _("Give the token a label (up to 64 "
                                                    "characters), e.g. wallboard."))
        role = forms.role(request.form, _("Choose one of the roles."))
    except FormError as problem:
        return render_template("admin/tokens.html", tokens=web_context().users.tokens(),
                               roles=ROLES, created=None, problem=problem), 400
    token = web_context().users.create_token(role, label=label)
    audit("token.create", label, role=role)
    # the secret is shown this once and never stored; no redirect, so it is not in a URL
    return render_template("admin/tokens.html", tokens=web_context().users.tokens(),
                           roles=ROLES, created=token, problem=None)


@bp.post("/tokens/<token_id>/revoke")
def revoke_token(token_id: str):
    if not web_context().users.revoke(token_id):
        return render_template("admin/tokens.html", tokens=web_context().users.tokens(),
                               roles=ROLES, created=None,
                               problem=FormError("id", _("There is no such token."))), 404
    audit("token.revoke", token_id)
    return redirect(url_for("admin.tokens"))
