"""Pure route choice: ``[[route]]`` rules over a snapshot of the lines.

A number is matched in two forms: E.164 (``+989121234567``) for prefixes written with
``+``, and as dialled from the office's country (``09121234567``, ``0044...``) for the
others. The longest matching prefix wins (ties: the order in callbox.toml); of its
``lines`` the free ones are tried cheapest first (``cost``), then in the order written.
A number no rule matches goes out on the first free GSM line, else the first free trunk.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Iterable, Mapping, Sequence

import phonenumbers

from appliance.errors import CallboxError
from appliance.i18n import N_


class LineKind(StrEnum):
    GSM = "gsm"
    TRUNK = "trunk"


class RoutingError(CallboxError):
    """No line can take this call now (the message names what was tried)."""


@dataclass(frozen=True)
class Route:
    prefix: str = ""  # "" matches every number
    lines: tuple[str, ...] = ()
    strip: int = 0  # leading characters removed from the matched form ("+" counts)
    prepend: str = ""
    cost: Mapping[str, float] = field(default_factory=dict)

    def matches(self, forms: "NumberForms") -> bool:
        return forms.form_for(self.prefix).startswith(self.prefix)

    def dial(self, forms: "NumberForms") -> str:
        return self.prepend + forms.form_for(self.prefix)[self.strip:]

    def ranked(self) -> list[str]:
        """Lines cheapest first; unpriced lines after priced ones; ties keep the order."""
        order = {name: i for i, name in enumerate(self.lines)}
        return sorted(self.lines, key=lambda n: (self.cost.get(n, math.inf), order[n]))


@dataclass(frozen=True)
class LineSnapshot:
    name: str
    kind: LineKind
    room: int  # calls it can still take now: a GSM line 1 or 0, a trunk its slots left
    state: str = ""  # why it takes none: busy, down, unregistered, full, taken...

    @property
    def free(self) -> bool:
        return self.room > 0


def with_claims(lines: Mapping[str, LineSnapshot],
                claimed: Mapping[str, int]) -> dict[str, LineSnapshot]:
    """Lines as they are once the calls just handed out (not dialled yet) are counted."""
    out = {}
    for name, snap in lines.items():
        taken = claimed.get(name, 0)
        if taken and snap.room:
            room = max(0, snap.room - taken)
            snap = replace(snap, room=room, state=snap.state if room else "taken")
        out[name] = snap
    return out


@dataclass(frozen=True)
class Choice:
    uri: str  # what to originate: gsm:<line>/<number> or trunk:<name>/<number>
    line: str  # the line name for the call record
    number: str  # what is dialled on that line
    route: str | None = None  # the prefix of the rule used; None = the default


@dataclass(frozen=True)
class NumberForms:
    dialled: str  # as given (digits, maybe a leading +)
    e164: str
    national: str  # as dialled from the office's country

    def form_for(self, prefix: str) -> str:
        return self.e164 if prefix.startswith("+") else self.national


def number_forms(dialled: str, country: str) -> NumberForms:
    """The forms of a dialable number (``callback.dial_string`` output)."""
    text = re.sub(r"[^\d+*#]", "", dialled)
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else country)
    except phonenumbers.NumberParseException:
        return NumberForms(text, text, text)
    if not phonenumbers.is_possible_number(parsed):  # short codes stay as dialled
        return NumberForms(text, text, text)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    local = phonenumbers.format_out_of_country_calling_number(parsed, country)
    return NumberForms(text, e164, re.sub(r"[^\d+]", "", local))


def uri_for(line: LineSnapshot, number: str) -> str:
    scheme = "gsm" if line.kind == LineKind.GSM else "trunk"
    return f"{scheme}:{line.name}/{number}"


def matching(routes: Sequence[Route], forms: NumberForms) -> list[Route]:
    """Rules that match, longest prefix first (stable: the file's order breaks ties)."""
    return sorted((r for r in routes if r.matches(forms)), key=lambda r: -len(r.prefix))


def choose(routes: Sequence[Route], lines: Mapping[str, LineSnapshot], dialled: str,
           country: str, *, line: str = "", prefer: str = "") -> Choice:
    """The line for a call to ``dialled``. ``line``: this line or an error; ``prefer``:
    this line when it is free, else the rules. Raises RoutingError."""
    forms = number_forms(dialled, country)
    rules = matching(routes, forms)
    if line:
        return _required(rules, lines, forms, line)
    if prefer in lines and lines[prefer].free:
        return _on(lines[prefer], forms, _rule_with(rules, prefer))
    if not lines:
        raise RoutingError(N_("there is no line to call a phone number through"))
    if rules:
        tried: list[str] = []
        for rule in rules:
            for name in rule.ranked():
                snap = lines.get(name)
                if snap is not None and snap.free:
                    return _on(snap, forms, rule)
                tried.append(name)
        raise _none_free(forms, lines, tried)
    for kind in (LineKind.GSM, LineKind.TRUNK):
        for snap in lines.values():
            if snap.kind == kind and snap.free:
                return _on(snap, forms, None)
    raise _none_free(forms, lines, list(lines))


def _required(rules: Sequence[Route], lines: Mapping[str, LineSnapshot], forms: NumberForms,
              name: str) -> Choice:
    snap = lines.get(name)
    if snap is None:
        raise RoutingError(N_("no line named %(name)s"), name=name)
    if not snap.free:
        raise RoutingError(N_("line %(name)s cannot take a call now (%(state)s)"),
                           name=name, state=snap.state or "busy")
    return _on(snap, forms, _rule_with(rules, name))


def _rule_with(rules: Iterable[Route], name: str) -> Route | None:
    return next((r for r in rules if name in r.lines), None)


def _on(snap: LineSnapshot, forms: NumberForms, rule: Route | None) -> Choice:
    number = rule.dial(forms) if rule is not None else forms.dialled
    return Choice(uri_for(snap, number), snap.name, number,
                  rule.prefix if rule is not None else None)


def _none_free(forms: NumberForms, lines: Mapping[str, LineSnapshot],
               tried: Sequence[str]) -> RoutingError:
    states = ", ".join(f"{n} {lines[n].state or 'busy'}" if n in lines else f"{n} unknown"
                       for n in dict.fromkeys(tried))
    return RoutingError(N_("no line is free to call %(number)s (%(lines)s)"),
                        number=forms.e164, lines=states)
