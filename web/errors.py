"""Errors as the API shows them: ``{"error": code, "message": text}`` with a status code."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from appliance.control import ControlRequestError, CoreUnavailable
from appliance.errors import StoreError
from appliance.i18n import N_
from web.i18n import gettext as _
from web.i18n import message

log = logging.getLogger("callbox.web")

# Control-socket error codes -> HTTP status.
CONTROL_STATUS = {"unknown_action": 404, "bad_args": 400, "bad_request": 400,
                   "action_failed": 409}

# HTTP status -> (title, what to do), for the error pages
PAGE_TEXT = {
    400: (N_("Bad request"), N_("The page could not use what was sent. Go back and try again.")),
    403: (N_("Not allowed"), N_("Your account cannot open this page.")),
    404: (N_("Page not found"), N_("There is no such page. Check the address or use the menu.")),
    405: (N_("Not allowed here"), N_("This page cannot be used that way.")),
    413: (N_("Too large"), N_("What was sent is too large.")),
    429: (N_("Too many requests"), N_("Wait a moment and try again.")),
    500: (N_("Something went wrong"),
          N_("The page failed. The error was written to the log; try again.")),
    503: (N_("Not available"), N_("A part of the box is not available right now.")),
}


def api_error(status: int, error: str, message: str, **extra) -> Response:
    response = jsonify({"error": error, "message": message, **extra})
    response.status_code = status
    return response


def core_down(exc: Exception) -> Response:
    return api_error(503, "core_down", _("The call system (core) is not reachable: %(reason)s",
                                         reason=str(exc)))


def control_failed(exc: ControlRequestError) -> Response:
    """The core's refusal in the reader's language; ``english`` and ``msgid``/``params``
    are kept for scripts and logs."""
    shown = message(exc.msgid or exc.message, exc.params)
    return api_error(CONTROL_STATUS.get(exc.code, 502), exc.code, shown, english=exc.message,
                     msgid=exc.msgid or exc.message, params=exc.params)


def error_page(status: int, detail: str = ""):
    """A translated error page in the base layout (menu, languages)."""
    title, text = PAGE_TEXT.get(status, PAGE_TEXT[500])
    try:
        return render_template("error.html", status=status, title=_(title), text=_(text),
                               detail=detail), status
    except Exception:  # the layout itself failed: a plain page rather than none
        log.exception("error page failed status=%s", status)
        return f"{status} {_(title)}", status


def _is_api() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.errorhandler(CoreUnavailable)
    def _core_down(exc: CoreUnavailable):
        return core_down(exc)

    @app.errorhandler(ControlRequestError)
    def _control(exc: ControlRequestError):
        return control_failed(exc)

    @app.errorhandler(StoreError)
    def _store(exc: StoreError):
        log.error("call log unavailable: %s", exc)
        if _is_api():
            return api_error(503, "store_unavailable",
                             _("The call log cannot be read: %(reason)s", reason=str(exc)))
        return error_page(503, _("The call log cannot be read: %(reason)s", reason=str(exc)))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not _is_api():
            if exc.code is None or exc.code < 400:
                return exc
            return error_page(exc.code, _page_detail(exc))
        code = (exc.name or "error").lower().replace(" ", "_")
        return api_error(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("request failed path=%s", request.path)
        if _is_api():
            return api_error(500, "internal", f"{type(exc).__name__}: {exc}")
        return error_page(500)


def _page_detail(exc: HTTPException) -> str:
    """A description the app gave on purpose (abort(400, "...")), translated; Werkzeug's
    stock English descriptions are replaced by PAGE_TEXT."""
    stock = type(exc).description
    if not exc.description or exc.description == stock:
        return ""
    return message(exc.description)
