"""The IVR tree as the web sees it (``GET/PUT /api/ivr``) <-> ``IvrConfig``.

The document shape is the contract::

    {greeting, root, menus[{id, prompt, options{digit: action}, timeout_s, retries,
     default}], hours{weekly[{days, from, to}], holidays[YYYY-MM-DD], closed_action},
     night_mode}

Parsing checks types and forms only and names the node at fault; what the tree
means (reachability, loops, prompts) is :mod:`appliance.ivr.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appliance.config.model import IvrConfig, IvrHours, IvrMenu, IvrWeekly
from appliance.errors import CallboxError
from appliance.i18n import N_


@dataclass
class TreeProblem:
    error: str  # dead_end | unreachable | missing_prompt | loop | unknown_target | bad_value
    message: str  # English msgid with params filled (the web translates the msgid)
    node: str  # menu id, "hours", "greeting", "root"
    msgid: str = ""
    params: dict | None = None

    def to_json(self) -> dict:
        return {"error": self.error, "message": self.message, "node": self.node,
                "msgid": self.msgid or self.message, "params": self.params or {}}


class TreeError(CallboxError):
    """A tree that cannot be saved; ``problems`` lists every reason, the first is the error."""

    def __init__(self, problems: list[TreeProblem]):
        first = problems[0]
        super().__init__(first.message)
        # the first problem's msgid and params, plus its node: what the control socket
        # passes on when the core refuses a tree, so the web can translate it
        self.msgid = first.msgid or first.message
        self.params = {**(first.params or {}), "node": first.node}
        self.problems = problems

    @property
    def first(self) -> TreeProblem:
        return self.problems[0]


def problem(error: str, node: str, msgid: str, **params: Any) -> TreeProblem:
    return TreeProblem(error, msgid % params if params else msgid, node, msgid, params)


def config_to_doc(cfg: IvrConfig) -> dict:
    return {
        "greeting": cfg.greeting,
        "root": cfg.root,
        "menus": [{"id": m.id, "prompt": m.prompt, "options": dict(m.options),
                   "timeout_s": m.timeout_s, "retries": m.retries, "default": m.default}
                  for m in cfg.menus],
        "hours": {"weekly": [{"days": list(w.days), "from": w.from_, "to": w.to}
                             for w in cfg.hours.weekly],
                  "holidays": list(cfg.hours.holidays),
                  "closed_action": cfg.hours.closed_action},
        "night_mode": cfg.night_mode,
    }


def _bad(node: str, msgid: str, **params: Any) -> TreeError:
    return TreeError([problem("bad_value", node, msgid, **params)])


def _text(obj: dict, key: str, node: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise _bad(node, N_("%(field)s must be text"), field=key)
    return value.strip()


def _number(obj: dict, key: str, node: str, default: float) -> float:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(node, N_("%(field)s must be a number"), field=key)
    return float(value)


def _menu(raw: Any, index: int) -> IvrMenu:
    if not isinstance(raw, dict):
        raise _bad(f"#{index}", N_("a menu must be an object"))
    node = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else f"#{index}"
    options = raw.get("options", {})
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise _bad(node, N_("options must map keys to actions"))
    retries = raw.get("retries", 2)
    if isinstance(retries, bool) or not isinstance(retries, int):
        raise _bad(node, N_("%(field)s must be a whole number"), field="retries")
    return IvrMenu(id=_text(raw, "id", node, ""), prompt=_text(raw, "prompt", node, ""),
                   options={str(k).strip(): v.strip() for k, v in options.items()},
                   timeout_s=_number(raw, "timeout_s", node, 5.0), retries=retries,
                   default=_text(raw, "default", node, "hangup"))


def _hours(raw: Any) -> IvrHours:
    if raw is None:
        return IvrHours()
    if not isinstance(raw, dict):
        raise _bad("hours", N_("hours must be an object"))
    weekly = raw.get("weekly", [])
    holidays = raw.get("holidays", [])
    if not isinstance(weekly, list) or not all(isinstance(w, dict) for w in weekly):
        raise _bad("hours", N_("weekly must be a list of {days, from, to}"))
    if not isinstance(holidays, list) or not all(isinstance(d, str) for d in holidays):
        raise _bad("hours", N_("holidays must be a list of dates"))
    slots = []
    for w in weekly:
        days = w.get("days", [])
        if not isinstance(days, list) or not all(isinstance(d, str) for d in days):
            raise _bad("hours", N_("days must be a list of day names"))
        slots.append(IvrWeekly(days=[d.strip().lower() for d in days],
                               from_=_text(w, "from", "hours", "00:00"),
                               to=_text(w, "to", "hours", "24:00")))
    return IvrHours(weekly=slots, holidays=sorted({d.strip() for d in holidays}),
                    closed_action=_text(raw, "closed_action", "hours", "voicemail"))


def doc_to_config(doc: Any, night_switch: int | None = None) -> IvrConfig:
    """An ``IvrConfig`` from a document; TreeError (bad_value) naming the node if malformed."""
    if not isinstance(doc, dict):
        raise _bad("", N_("the IVR tree must be a JSON object"))
    menus = doc.get("menus")
    if not isinstance(menus, list) or not menus:
        raise _bad("root", N_("the tree needs at least one menu"))
    night = doc.get("night_mode", False)
    if not isinstance(night, bool):
        raise _bad("night_mode", N_("%(field)s must be true or false"), field="night_mode")
    return IvrConfig(greeting=_text(doc, "greeting", "greeting", ""),
                     root=_text(doc, "root", "root", ""),
                     menus=[_menu(m, i) for i, m in enumerate(menus)],
                     hours=_hours(doc.get("hours")), night_mode=night,
                     night_switch=night_switch)
