"""Reading the admin forms: every value checked, the bad field named."""

from __future__ import annotations

from typing import Mapping

from appliance.auth.users import ROLES
from appliance.i18n import LANGUAGES


class FormError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def choice(form: Mapping[str, str], field: str, allowed, message: str,
           default: str | None = None) -> str:
    value = form.get(field, default if default is not None else "")
    if value not in allowed:
        raise FormError(field, message)
    return value


def role(form: Mapping[str, str], message: str) -> str:
    return choice(form, "role", ROLES, message)


def language(form: Mapping[str, str], message: str) -> str:
    return choice(form, "language", ("",) + tuple(LANGUAGES), message, default="")


def dispatcher(form: Mapping[str, str], known: list[str], message: str) -> str:
    return choice(form, "dispatcher", [""] + known, message, default="")


def text(form: Mapping[str, str], field: str, message: str, max_len: int = 64,
         required: bool = True) -> str:
    value = (form.get(field) or "").strip()
    if (required and not value) or len(value) > max_len or any(
            not c.isprintable() for c in value):
        raise FormError(field, message)
    return value
