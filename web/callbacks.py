"""The "Call back" buttons of the call log and the messages page: who may use them, as
which dispatcher, and the strings their script shows. The API is ``POST /api/callbacks``."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, url_for

from appliance.telephony.numbers import WITHHELD
from web.context import web_context
from web.i18n import js_strings
from web.i18n_pages import CALLBACK_JS
from web.security import ACTION_ROLES, may_call_back


@dataclass(frozen=True)
class CallbackUi:
    url: str = ""
    as_self: str = ""  # a dispatcher's own name: they call back as themselves
    choices: list[str] = field(default_factory=list)  # supervisors/admins pick one of these
    lines: frozenset[str] = frozenset()  # GSM lines: a row's own line is used to call back
    strings: dict[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return bool(self.as_self or self.choices)

    def number_of(self, direction: str | None, caller: str | None, callee: str | None) -> str:
        """The customer's number of a call record ("" when there is none to call)."""
        number = (callee if direction == "out" else caller) or ""
        return "" if number == WITHHELD else number

    def line_of(self, line: str | None) -> str:
        return line if line in self.lines else ""


def callback_ui() -> CallbackUi:
    """What the signed-in person may do with the Call back buttons."""
    ctx = web_context()
    identity = g.get("identity")
    names = [d.name for d in ctx.config.dispatcher]
    if identity is None:
        return CallbackUi()
    strings = js_strings(CALLBACK_JS)
    lines = frozenset(gsm.name for gsm in ctx.config.gsm)
    url = url_for("api.callback")
    if identity.role in ACTION_ROLES:
        return CallbackUi(url, choices=names, lines=lines, strings=strings)
    own = identity.dispatcher  # the dispatcher this user is linked to, if any
    if own in names and may_call_back(identity, own):
        return CallbackUi(url, as_self=own, lines=lines, strings=strings)
    return CallbackUi()
