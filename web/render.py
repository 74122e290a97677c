"""Template helpers: the reader's language, dates, digits and numbers."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request

from web.context import web_context
from appliance.telephony.numbers import WITHHELD
from web.i18n import LANGUAGE_NAMES, LANGUAGES, MessageTranslator, current_translator, gettext
from web.i18n import message
from web.numberfmt import show_number
from web.timefmt import format_datetime, format_duration


def translator() -> MessageTranslator:
    """The reader's language: the user's stored choice, the session's, else the office's."""
    return current_translator()


def _context() -> dict[str, Any]:
    ctx = web_context()
    return {
        "office_name": ctx.config.office.name,
        "identity": g.get("identity"),
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "here": request.full_path.rstrip("?"),
    }


def _local_time(value: str | None) -> str:
    return format_datetime(value, web_context().tz, translator().lang)


def _duration(value: float | None) -> str:
    return format_duration(value, translator().lang)


def _digits(value: Any) -> str:
    return "" if value is None else translator().digits(value)


def _phone(value: str | None) -> str:
    """A stored number as the office writes it, in the reader's digits."""
    if value == WITHHELD:
        return gettext("withheld")
    return _digits(show_number(value, web_context().config.office.country))


def register(app: Flask) -> None:
    app.context_processor(_context)
    app.jinja_env.filters["local_time"] = _local_time
    app.jinja_env.filters["duration"] = _duration
    app.jinja_env.filters["digits"] = _digits
    app.jinja_env.filters["phone"] = _phone
    app.jinja_env.globals["core_text"] = lambda text: message(text) if text else ""
