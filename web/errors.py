"""Errors as the API shows them: ``{"error": code, "message": text}`` with a status code."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from appliance.control import ControlRequestError, CoreUnavailable
from appliance.errors import StoreError

log = logging.getLogger("callbox.web")

# Control-socket error codes -> HTTP status.
CONTROL_STATUS = {"unknown_action": 404, "bad_args": 400, "bad_request": 400,
                   "action_failed": 409}


def api_error(status: int, error: str, message: str) -> Response:
    response = jsonify({"error": error, "message": message})
    response.status_code = status
    return response


def core_down(exc: Exception) -> Response:
    return api_error(503, "core_down", f"The call system (core) is not reachable: {exc}")


def control_failed(exc: ControlRequestError) -> Response:
    return api_error(CONTROL_STATUS.get(exc.code, 502), exc.code, exc.message)


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
            return api_error(503, "store_unavailable", f"The call log cannot be read: {exc}")
        return f"The call log cannot be read: {exc}", 503

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not _is_api():
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        return api_error(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("request failed path=%s", request.path)
        if _is_api():
            return api_error(500, "internal", f"{type(exc).__name__}: {exc}")
        return "Internal error", 500
