"""What makes a tree safe to put in front of callers; every refusal names its node.

Refused: a target that does not exist, a missing prompt (in any language a caller
can reach), a menu no caller can reach from the root, a dead end (a menu whose
every key and default leads back to itself), and a loop with no way out (menus
that only lead to each other, never to a queue, voicemail, hangup, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from appliance.config.model import IvrConfig
from appliance.i18n import N_
from appliance.ivr.document import TreeError, TreeProblem, problem
from appliance.ivr.hours import DAYS, minutes, parse_day
from appliance.ivr.menu import Action, LANGUAGES

DIGITS = "0123456789*#"
CLOSED_ACTIONS = ("voicemail", "hangup")


@dataclass
class Known:
    """What the tree may refer to."""
    queues: set[str]
    dispatchers: set[str]
    language: str = "en"  # office language: every prompt must exist in it
    has_prompt: Callable[[str, str], bool] = lambda key, lang: True  # (key, language)
    self_service: bool = True  # a SelfService port is wired


def validate(cfg: IvrConfig, known: Known) -> list[TreeProblem]:
    """Every problem of ``cfg`` (empty = fine to save)."""
    out: list[TreeProblem] = []
    menus = {m.id: m for m in cfg.menus}
    _check_menus(cfg, menus, known, out)
    if cfg.root not in menus:
        out.append(problem("unknown_target", "root", N_("the first menu %(menu)s does not exist"),
                           menu=cfg.root or "-"))
    _check_hours(cfg, out)
    if out:
        return out  # graph checks need sound edges
    edges, exits = _graph(cfg)
    _check_reachable(cfg, edges, out)
    _check_way_out(cfg, edges, exits, out)
    _check_prompts(cfg, _languages(cfg, known), known, out)
    return out


def check(cfg: IvrConfig, known: Known) -> None:
    problems = validate(cfg, known)
    if problems:
        raise TreeError(problems)


def _languages(cfg: IvrConfig, known: Known) -> list[str]:
    langs = [known.language]
    for m in cfg.menus:
        for text in [*m.options.values(), m.default]:
            action = Action.parse(text)
            if action.kind == "language" and action.target not in langs:
                langs.append(action.target)
    return langs


def _check_menus(cfg: IvrConfig, menus: dict, known: Known, out: list[TreeProblem]) -> None:
    seen: set[str] = set()
    for m in cfg.menus:
        node = m.id or "-"
        if not m.id or not all(c.isalnum() or c in "_-." for c in m.id):
            out.append(problem("bad_value", node, N_("menu id %(menu)s must be letters, digits, "
                                                     "'_', '-' or '.'"), menu=node))
        if m.id in seen:
            out.append(problem("bad_value", node, N_("two menus are called %(menu)s"), menu=node))
        seen.add(m.id)
        if not m.prompt:
            out.append(problem("missing_prompt", node, N_("menu %(menu)s has no prompt"),
                               menu=node))
        if m.timeout_s <= 0 or m.timeout_s > 60:
            out.append(problem("bad_value", node, N_("menu %(menu)s: the timeout must be "
                                                     "1 to 60 seconds"), menu=node))
        if not 0 <= m.retries <= 10:
            out.append(problem("bad_value", node, N_("menu %(menu)s: retries must be 0 to 10"),
                               menu=node))
        for digit, text in m.options.items():
            if len(digit) != 1 or digit not in DIGITS:
                out.append(problem("bad_value", node, N_("menu %(menu)s: %(key)s is not a "
                                                         "phone key"), menu=node, key=digit))
            _check_action(text, node, menus, known, out)
        _check_action(m.default, node, menus, known, out)


def _check_action(text: str, node: str, menus: dict, known: Known,
                  out: list[TreeProblem]) -> None:
    try:
        action = Action.parse(text)
    except ValueError:
        out.append(problem("bad_value", node, N_("menu %(menu)s: %(action)s is not an action"),
                           menu=node, action=text or "-"))
        return
    kind, target = action.kind, action.target
    missing = None
    if kind == "queue" and target not in known.queues:
        missing = N_("menu %(menu)s: there is no queue %(target)s")
    elif kind == "dispatcher" and target not in known.dispatchers:
        missing = N_("menu %(menu)s: there is no dispatcher %(target)s")
    elif kind == "menu" and target not in menus:
        missing = N_("menu %(menu)s: there is no menu %(target)s")
    elif kind == "language" and action.menu and action.menu not in menus:
        missing, target = N_("menu %(menu)s: there is no menu %(target)s"), action.menu
    elif kind in ("self_order", "order_status") and not known.self_service:
        out.append(problem("unknown_target", node, N_("menu %(menu)s: self-service is not "
                                                      "available on this box"), menu=node))
    if missing:
        out.append(problem("unknown_target", node, missing, menu=node, target=target))


def _check_hours(cfg: IvrConfig, out: list[TreeProblem]) -> None:
    hours = cfg.hours
    for slot in hours.weekly:
        for day in slot.days:
            if day not in DAYS:
                out.append(problem("bad_value", "hours", N_("%(day)s is not a day (sat..fri)"),
                                   day=day))
        if not slot.days:
            out.append(problem("bad_value", "hours", N_("a working-hours row has no days")))
        for value in (slot.from_, slot.to):
            try:
                minutes(value)
            except ValueError:
                out.append(problem("bad_value", "hours", N_("%(time)s is not a time HH:MM"),
                                   time=value or "-"))
        if slot.from_ == slot.to:
            out.append(problem("bad_value", "hours", N_("a working-hours row starts and ends "
                                                        "at %(time)s"), time=slot.from_))
    for day in hours.holidays:
        try:
            parse_day(day)
        except ValueError:
            out.append(problem("bad_value", "hours", N_("%(date)s is not a date"), date=day))
    if hours.closed_action not in CLOSED_ACTIONS:
        out.append(problem("bad_value", "hours", N_("after hours the call goes to voicemail "
                                                    "or is hung up, not %(action)s"),
                           action=hours.closed_action or "-"))


def _graph(cfg: IvrConfig) -> tuple[dict[str, set[str]], set[str]]:
    """menu -> menus it leads to; and the menus with an action that leaves the menu."""
    edges: dict[str, set[str]] = {m.id: set() for m in cfg.menus}
    exits: set[str] = set()
    for m in cfg.menus:
        for text in [*m.options.values(), m.default]:
            action = Action.parse(text)
            if action.exits:
                exits.add(m.id)
            elif action.kind == "menu":
                edges[m.id].add(action.target)
            elif action.kind == "language":
                edges[m.id].add(action.menu or m.id)
    return edges, exits


def _check_reachable(cfg: IvrConfig, edges: dict[str, set[str]],
                     out: list[TreeProblem]) -> None:
    seen, todo = {cfg.root}, [cfg.root]
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    for m in cfg.menus:
        if m.id not in seen:
            out.append(problem("unreachable", m.id, N_("no caller can reach menu %(menu)s "
                                                       "from the first menu"), menu=m.id))


def _check_way_out(cfg: IvrConfig, edges: dict[str, set[str]], exits: set[str],
                   out: list[TreeProblem]) -> None:
    """Menus from which no exit can be reached: dead ends (only themselves) or loops."""
    good = set(exits)
    changed = True
    while changed:  # menus that lead to a menu with a way out have one too
        changed = False
        for menu, nexts in edges.items():
            if menu not in good and nexts & good:
                good.add(menu)
                changed = True
    for m in cfg.menus:
        if m.id in good:
            continue
        if edges[m.id] <= {m.id}:
            out.append(problem("dead_end", m.id, N_("menu %(menu)s is a dead end: no key and "
                                                    "no default leads anywhere else"), menu=m.id))
        else:
            out.append(problem("loop", m.id, N_("menu %(menu)s is in a loop with no way out "
                                                "(%(loop)s)"), menu=m.id,
                               loop=" → ".join(sorted(edges[m.id] | {m.id}))))


def _check_prompts(cfg: IvrConfig, langs: list[str], known: Known,
                   out: list[TreeProblem]) -> None:
    wanted: list[tuple[str, str]] = []
    if cfg.greeting:
        wanted.append(("greeting", cfg.greeting))
    for m in cfg.menus:
        wanted.append((m.id, m.prompt))
        for text in [*m.options.values(), m.default]:
            action = Action.parse(text)
            if action.kind == "play":
                wanted.append((m.id, action.target))
    wanted.append(("hours", "closed"))
    for node, key in wanted:
        for lang in langs:
            if lang in LANGUAGES and not known.has_prompt(key, lang):
                out.append(problem("missing_prompt", node, N_("prompt %(prompt)s does not exist "
                                                              "in %(lang)s"), prompt=key,
                                   lang=lang))
                break
