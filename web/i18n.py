"""The web's gettext layer: the reader's language per request, ``_()`` in Python and Jinja.

Use ``from web.i18n import gettext as _`` then ``_("Order saved")`` or
``_("%(n)d callers waiting", n=3)`` (named placeholders only); in templates
``{{ _("%(n)d waiting", n=n) }}``. Numbers passed as params get Persian digits on
Persian pages; text params (line names like ``gsm1``) are left alone.

The language is the signed-in user's stored choice, else the session's, else
``office.language``. Catalogues: see :mod:`appliance.i18n`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

from flask import Flask, current_app, g, has_request_context, session
from jinja2 import pass_context
from markupsafe import Markup, escape

from appliance.auth.users import AuthError
from appliance.i18n import (LANGUAGE_NAMES, LANGUAGES, RTL, Catalogues, N_,  # noqa: F401
                            format_params, pick_language, persian_digits)
from appliance.i18n import Translator as MessageTranslator
from appliance.telephony.numbers import WITHHELD
from web.context import web_context
from web.numberfmt import show_number
from web.i18n_pages import JALALI_JS, JALALI_MONTHS, LABELS, WEEKDAYS_FROM_SATURDAY
from web.phonecalls import with_phone_calls
from web.jalali import gregorian_to_jalali

CATALOGUES = "callbox_i18n"


def catalogues() -> Catalogues:
    return current_app.extensions[CATALOGUES]


def _user_language() -> str | None:
    name = session.get("user")
    if not name:
        return None
    account = web_context().users.account(name)
    return account.get("language") if account else None


def remember_language(user: str, code: str) -> None:
    """Store ``code`` as the user's language (a deleted user is simply skipped)."""
    try:
        web_context().users.update_user(user, language=code)
    except AuthError:
        pass


def current_language() -> str:
    """The reader's language for this request (cached on ``g``)."""
    if not has_request_context():
        return "en"
    if "lang" not in g:
        g.lang = pick_language(_user_language(), session.get("lang"),
                               web_context().config.office.language)
    return g.lang


def current_translator() -> MessageTranslator:
    if not has_request_context():
        return MessageTranslator("en")
    return catalogues().translator(current_language())


def gettext(msgid: str, **params: Any) -> str:
    """``msgid`` in the reader's language, ``%(name)s`` placeholders filled."""
    return current_translator().gettext(msgid, **params)


_ = gettext


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """The plural form for ``n`` (available as ``%(n)d``)."""
    return current_translator().ngettext(singular, plural, n, **params)


def message(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """A core message (msgid + params from the control socket) in the reader's language."""
    return current_translator().message(msgid, params)


def js_catalog(msgids: Iterable[str]) -> dict[str, str]:
    """Translations for a page's JavaScript (injected as JSON; JS holds no literals)."""
    return current_translator().catalog(msgids)


def label(kind: str, value: str | None) -> str:
    """A value the core reports (a state, a disposition...) in words; unknown values as
    they are. ``kind`` names a table in :data:`web.i18n_pages.LABELS`."""
    msgid = LABELS[kind].get(value or "")
    return gettext(msgid) if msgid is not None else (value or "")


def localize_status(status: dict[str, Any] | None) -> dict[str, Any] | None:
    """The core's status for a reader: alarm messages in their language (the English
    text stays in ``english``), callers' numbers as the office writes them
    (``caller_shown``; ``caller`` stays E.164), and each dispatcher's ``on_hold`` and
    ``colleague`` (web/phonecalls.py)."""
    if not status:
        return status
    alarms = []
    for alarm in status.get("alarms") or []:
        english = alarm.get("message") or ""
        alarms.append({**alarm, "english": english,
                       "message": message(alarm.get("msgid") or english, alarm.get("params"))})
    country = web_context().config.office.country
    queues = [{**q, "waiting": [_shown(w, country) for w in q.get("waiting") or []]}
              for q in status.get("queues") or []]
    in_menu = [_shown(c, country) for c in status.get("in_menu") or []]
    extra = {"dispatchers": with_phone_calls(status)} if "dispatchers" in status else {}
    return {**status, "alarms": alarms, "queues": queues, "in_menu": in_menu, **extra}


def _shown(entry: dict[str, Any], country: str) -> dict[str, Any]:
    caller = entry.get("caller")
    shown = gettext("withheld") if caller == WITHHELD else show_number(caller, country)
    return {**entry, "caller_shown": shown}


def js_strings(table: Mapping[str, str]) -> dict[str, str]:
    """``{key: msgid}`` -> ``{key: translation}`` for a page's script."""
    t = current_translator()
    return {key: t.raw(msgid) for key, msgid in table.items()}


def jalali_settings() -> dict[str, Any]:
    """What the Jalali date picker needs: names in the reader's language and today (in
    the office's time zone) as (year, month, day)."""
    t = current_translator()
    today = datetime.now(web_context().tz).date()
    return {"months": [t.raw(m) for m in JALALI_MONTHS],
            "weekdays": [t.raw(d) for d in WEEKDAYS_FROM_SATURDAY],
            "today": list(gregorian_to_jalali(today)), "strings": js_strings(JALALI_JS)}


def _page_context() -> dict[str, Any]:
    t = current_translator()
    return {"lang": t.lang, "direction": t.direction, "rtl": t.rtl}


@pass_context
def _jinja_gettext(ctx, msgid: str, **params: Any) -> str:
    t = current_translator()
    if ctx.eval_ctx.autoescape:
        return Markup(_fill(t.raw(msgid), params, t.lang, escape))
    return _fill(t.raw(msgid), params, t.lang, None)


@pass_context
def _jinja_ngettext(ctx, singular: str, plural: str, n: int, **params: Any) -> str:
    t = current_translator()
    params.setdefault("n", n)
    text = t.raw_plural(singular, plural, n)
    if ctx.eval_ctx.autoescape:
        return Markup(_fill(text, params, t.lang, escape))
    return _fill(text, params, t.lang, None)


def _fill(text: str, params: Mapping[str, Any], lang: str, esc) -> str:
    return format_params(text, params, lang, esc)


def register(app: Flask) -> None:
    """Load the catalogues once for this app and give templates ``_``/``ngettext``."""
    app.extensions[CATALOGUES] = Catalogues()
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.globals.update(_=_jinja_gettext, gettext=_jinja_gettext,
                                 ngettext=_jinja_ngettext, label=label,
                                 jalali_settings=jalali_settings)
    app.context_processor(_page_context)
