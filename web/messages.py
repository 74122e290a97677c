"""The messages page: SMS in and out (read from SQLite), last USSD replies, and a form
that hands a new SMS to the core (action ``send_sms``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping

import phonenumbers
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from appliance.control import ControlRequestError, CoreUnavailable
from appliance.errors import ControlError
from appliance.auth.privacy import mask_number
from appliance.store.queries import ascii_digits
from web.callbacks import callback_ui
from web.callfilters import BadFilter
from web.context import calls_db, web_context
from web.errors import CONTROL_STATUS
from appliance.i18n import N_
from web.i18n import current_translator, message
from web.i18n import gettext as _
from web.numberfmt import show_number
from web.smsqueries import MAX_LIMIT, last_ussd, list_messages

log = logging.getLogger("callbox.web")

bp = Blueprint("messages", __name__)

PAGE_SIZE = 50
MAX_TEXT = 1000  # about 15 parts in Persian (UCS-2), 7 in plain Latin
_PHONE_CHARS = set("+ -()./")


@dataclass
class SendForm:
    line: str = ""
    number: str = ""
    text: str = ""


def parse_limit(args: Mapping[str, str], default: int = PAGE_SIZE) -> int:
    raw = (args.get("limit") or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadFilter("limit", N_("must be a whole number between 1 and %(max)d"), max=MAX_LIMIT)
    return int(raw)


def normalize_number(text: str, region: str) -> str | None:
    """A number to send to: E.164 when it is one for ``region``, else its digits
    (operator short codes such as 2000); None when it is not a number at all."""
    typed = text.strip()
    digits = ascii_digits(typed)
    if not digits or any(not (c.isdigit() or c in _PHONE_CHARS) for c in typed):
        return None
    plain = ("+" if typed.startswith("+") else "") + digits
    try:
        parsed = phonenumbers.parse(plain, region.upper() or None)
    except phonenumbers.NumberParseException:
        parsed = None
    # valid for the region (or typed with its country code): E.164, so replies and
    # incoming messages of the same person group together
    if parsed is not None and (phonenumbers.is_valid_number(parsed) or (
            plain.startswith("+") and phonenumbers.is_possible_number(parsed))):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return digits if not plain.startswith("+") and 3 <= len(digits) <= 15 else None


def gsm_lines() -> list[str]:
    """GSM lines that can send: configured ones, and any the core reports."""
    ctx = web_context()
    names = [gsm.name for gsm in ctx.config.gsm]
    try:
        status = ctx.control.status()
    except ControlError:
        return names
    for line in status.get("lines") or []:
        if line.get("kind") == "gsm" and line.get("name") not in names:
            names.append(line["name"])
    return names


def _validate(form: SendForm, lines: list[str]) -> tuple[str | None, dict[str, str]]:
    """The number to send to, and the problems found (field -> message)."""
    problems: dict[str, str] = {}
    if form.line not in lines:
        problems["line"] = _("Choose a GSM line.")
    number = normalize_number(form.number, web_context().config.office.country)
    if number is None:
        problems["number"] = _("That is not a phone number.")
    if not form.text.strip():
        problems["text"] = _("Write the text of the message.")
    elif len(form.text) > MAX_TEXT:
        problems["text"] = _("The text is too long (at most %(max)d characters).", max=MAX_TEXT)
    return number, problems


def _render(form: SendForm, lines: list[str], status: int = 200, problems: Any = None,
            refused: str | None = None):
    ctx = web_context()
    number_filter = (request.args.get("number") or "").strip()
    error = None
    try:
        limit = parse_limit(request.args)
    except BadFilter as exc:
        error, limit, status = exc.shown(), PAGE_SIZE, 400
    with calls_db() as conn:
        rows = list_messages(conn, number_filter, limit + 1, ctx.config.office.country,
                             with_error=True)
        ussd = last_ussd(conn)
    more = dict(request.args, limit=str(min(limit + PAGE_SIZE, MAX_LIMIT)))
    page = render_template("messages.html", messages=rows[:limit], ussd=ussd, form=form,
                           lines=lines, problems=problems or {}, refused=refused, error=error,
                           number_filter=number_filter, max_text=MAX_TEXT, callback=callback_ui(),
                           more_args=more if len(rows) > limit and limit < MAX_LIMIT else None)
    return page, status


@bp.get("/messages")
def page():
    lines = gsm_lines()
    return _render(SendForm(line=lines[0] if lines else ""), lines)


@bp.post("/messages")
def send():
    form = SendForm(line=request.form.get("line", ""), number=request.form.get("number", ""),
                    text=request.form.get("text", ""))
    lines = gsm_lines()
    number, problems = _validate(form, lines)
    if problems:
        return _render(form, lines, 400, problems=problems)
    try:
        web_context().control.action("send_sms", line=form.line, number=number, text=form.text)
    except CoreUnavailable:
        return _render(form, lines, 503,
                       refused=_("The call system is not running. Calls are not being handled!"))
    except ControlRequestError as exc:
        log.warning("send_sms refused line=%s error=%s: %s", form.line, exc.code, exc.message)
        return _render(form, lines, CONTROL_STATUS.get(exc.code, 502),
                       refused=message(exc.msgid or exc.message, exc.params))
    log.info("sms handed to the core line=%s to=%s by=%s", form.line, mask_number(number),
             g.identity.name)  # no customer numbers in the log
    # the number isolated left-to-right, so "+98…" keeps its plus sign on a Persian page;
    # only the number gets Persian digits, never the line's name (gsm1)
    t = current_translator()
    shown = t.digits(show_number(number, web_context().config.office.country))
    line = f"\u2068{form.line}\u2069" if t.rtl else form.line
    flash(_("Message to %(number)s handed to %(line)s for sending.",
            number=f"\u2066{shown}\u2069", line=line))
    return redirect(url_for("messages.page", number=number))
