"""Admin pages that read: the audit log (search + chain check) and the SIP ban list
(owned by the core's SIP guard: control actions ``sip_bans`` and ``sip_unban``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, request, url_for

from appliance.control import ControlRequestError, CoreUnavailable
from appliance.store.db import iso
from web.admin.routes import bp
from web.context import web_context
from web.i18n import gettext as _
from web.security import audit

PAGE = 100


def _day(value: str, field: str, problems: dict, end: bool = False) -> str:
    """A YYYY-MM-DD day in the office's zone as a UTC bound ('' when empty)."""
    if not value:
        return ""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=web_context().tz)
        if end:
            day += timedelta(days=1)
        return iso(day)
    except (ValueError, OverflowError):
        problems[field] = _("Give a date as YYYY-MM-DD.")
        return ""


@bp.get("/audit")
def audit_log():
    args, problems = request.args, {}
    since = _day(args.get("since", ""), "since", problems)
    until = _day(args.get("until", ""), "until", problems, end=True)
    ctx = web_context()
    entries = [] if problems else ctx.audit.search(
        actor=args.get("actor", "")[:64], action=args.get("action", "")[:64],
        target=args.get("target", "")[:64], since=since, until=until, limit=PAGE)
    page = render_template("admin/audit.html", entries=entries, args=args, problems=problems,
                           chain=ctx.audit.verify())
    return page, (400 if problems else 200)


@bp.get("/sip-bans")
def sip_bans():
    bans, error = [], None
    try:
        bans = web_context().control.action("sip_bans") or []
    except CoreUnavailable:
        error = _("The call system (core) is not running, so its ban list cannot be read.")
    except ControlRequestError as exc:
        error = exc.message
    return render_template("admin/bans.html", bans=bans, error=error), (503 if error else 200)


@bp.post("/sip-bans/unban")
def sip_unban():
    address = (request.form.get("address") or "").strip()[:64]
    try:
        web_context().control.action("sip_unban", address=address)
    except CoreUnavailable:
        flash(_("The call system (core) is not running."))
        return redirect(url_for("admin.sip_bans"))
    except ControlRequestError as exc:
        flash(exc.message)
        return redirect(url_for("admin.sip_bans"))
    audit("sip.unban", address)
    flash(_("%(address)s may send calls again.", address=address))
    return redirect(url_for("admin.sip_bans"))
