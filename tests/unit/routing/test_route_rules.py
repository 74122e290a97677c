"""Outbound route choice (appliance/routing/rules.py): pure tables, no telephony."""

from __future__ import annotations

import pytest

from appliance.errors import CallboxError
from appliance.i18n import Catalogues
from appliance.routing.rules import (LineKind, LineSnapshot, Route, RoutingError, choose,
                                     number_forms, with_claims)

G, T = LineKind.GSM, LineKind.TRUNK


def lines(**spec: str) -> dict[str, LineSnapshot]:
    """gsm1="gsm free", voip="trunk unregistered", sip2="trunk 3" (room 3)..."""
    out = {}
    for name, text in spec.items():
        kind, _, state = text.partition(" ")
        room = int(state) if state.isdigit() else (1 if state == "free" else 0)
        out[name] = LineSnapshot(name, G if kind == "gsm" else T, room,
                                 "" if room else state)
    return out


MOBILE = Route(prefix="+98912", lines=("gsm1", "voip"))
INTL = Route(prefix="00", lines=("voip",), strip=2, prepend="+")
TEHRAN = Route(prefix="021", lines=("voip", "gsm1"), strip=1, prepend="+98")
PRICED = Route(prefix="+98", lines=("gsm1", "gsm2", "voip"), cost={"voip": 1, "gsm2": 2, "gsm1": 3})


@pytest.mark.parametrize("dialled, forms", [
    ("09121234567", ("+989121234567", "09121234567")),
    ("+989121234567", ("+989121234567", "09121234567")),
    ("00442079460000", ("+442079460000", "00442079460000")),
    ("02188776655", ("+982188776655", "02188776655")),
    ("110", ("110", "110")),  # a short code stays as dialled
])
def test_number_forms(dialled, forms):
    got = number_forms(dialled, "IR")
    assert (got.e164, got.national) == forms


@pytest.mark.parametrize("routes, state, dialled, expect", [
    # prefix picks GSM for mobiles, the trunk for landlines (with strip/prepend)
    ([MOBILE, TEHRAN], dict(gsm1="gsm free", voip="trunk free"), "09121234567",
     ("gsm:gsm1/+989121234567", "gsm1", "+98912")),
    ([MOBILE, TEHRAN], dict(gsm1="gsm free", voip="trunk free"), "021 8877 6655",
     ("trunk:voip/+982188776655", "voip", "021")),
    # a busy GSM line falls to the trunk of the same rule
    ([MOBILE], dict(gsm1="gsm busy", voip="trunk free"), "09121234567",
     ("trunk:voip/+989121234567", "voip", "+98912")),
    # strip 2, prepend +: 00 44... goes out as +44...
    ([INTL], dict(gsm1="gsm free", voip="trunk free"), "00442079460000",
     ("trunk:voip/+442079460000", "voip", "00")),
    # the cheapest free line, whatever the order written
    ([PRICED], dict(gsm1="gsm free", gsm2="gsm free", voip="trunk free"), "09121234567",
     ("trunk:voip/+989121234567", "voip", "+98")),
    ([PRICED], dict(gsm1="gsm free", gsm2="gsm free", voip="trunk unregistered"),
     "09121234567", ("gsm:gsm2/+989121234567", "gsm2", "+98")),
    # the longest prefix wins over a shorter one
    ([PRICED, MOBILE], dict(gsm1="gsm free", gsm2="gsm free", voip="trunk free"),
     "09121234567", ("gsm:gsm1/+989121234567", "gsm1", "+98912")),
    # ... and a shorter one takes over when the longer one's lines are all taken
    ([PRICED, Route(prefix="+98912", lines=("gsm1",))],
     dict(gsm1="gsm busy", gsm2="gsm free", voip="trunk free"), "09121234567",
     ("trunk:voip/+989121234567", "voip", "+98")),
    # no rule matches: the first free GSM line, number as dialled
    ([INTL], dict(voip="trunk free", gsm1="gsm busy", gsm2="gsm free"), "09121234567",
     ("gsm:gsm2/09121234567", "gsm2", None)),
    # ... then the first registered trunk; an unregistered one is skipped
    ([], dict(gsm1="gsm down", old="trunk unregistered", voip="trunk 4"), "09121234567",
     ("trunk:voip/09121234567", "voip", None)),
])
def test_route_choice(routes, state, dialled, expect):
    choice = choose(routes, lines(**state), dialled, "IR")
    assert (choice.uri, choice.line, choice.route) == expect


@pytest.mark.parametrize("routes, state, dialled, msgid, where", [
    ([MOBILE], dict(gsm1="gsm busy", voip="trunk unregistered"), "09121234567",
     "no line is free to call %(number)s (%(lines)s)", "gsm1 busy, voip unregistered"),
    ([], dict(gsm1="gsm no-signal", voip="trunk full"), "09121234567",
     "no line is free to call %(number)s (%(lines)s)", "gsm1 no-signal, voip full"),
    ([], {}, "09121234567", "there is no line to call a phone number through", ""),
])
def test_nothing_free_is_a_clear_error(routes, state, dialled, msgid, where):
    with pytest.raises(RoutingError) as err:
        choose(routes, lines(**state), dialled, "IR")
    assert isinstance(err.value, CallboxError) and err.value.msgid == msgid
    assert where in str(err.value)


def test_a_line_asked_for_is_used_or_refused_by_name():
    state = lines(gsm1="gsm busy", voip="trunk free")
    assert choose([MOBILE], state, "09121234567", "IR", line="voip").uri == \
        "trunk:voip/+989121234567"  # the rule that lists it still shapes the number
    with pytest.raises(RoutingError, match="line gsm1 cannot take a call now .busy."):
        choose([MOBILE], state, "09121234567", "IR", line="gsm1")
    with pytest.raises(RoutingError, match="no line named gsm9"):
        choose([MOBILE], state, "09121234567", "IR", line="gsm9")


def test_a_preferred_line_is_taken_when_free_else_the_rules_decide():
    state = lines(gsm1="gsm free", voip="trunk free")
    assert choose([MOBILE], state, "09121234567", "IR", prefer="voip").line == "voip"
    state = lines(gsm1="gsm free", voip="trunk unregistered")
    assert choose([MOBILE], state, "09121234567", "IR", prefer="voip").line == "gsm1"


def test_claimed_lines_count_as_taken():
    state = lines(gsm1="gsm free", voip="trunk 2")
    after = with_claims(state, {"gsm1": 1, "voip": 1})
    assert (after["gsm1"].free, after["gsm1"].state) == (False, "taken")
    assert after["voip"].room == 1
    assert choose([MOBILE], after, "09121234567", "IR").line == "voip"


@pytest.mark.parametrize("language", ["fa", "ru"])
def test_the_refusals_are_translated(language):
    catalogues = Catalogues()
    for msgid in ("no line is free to call %(number)s (%(lines)s)",
                  "there is no line to call a phone number through",
                  "no line named %(name)s", "line %(name)s cannot take a call now (%(state)s)"):
        assert catalogues.translator(language).raw(msgid) != msgid
