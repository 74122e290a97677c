"""callbox.toml's [ivr] through the IVR editor's validator (appliance/ivr/validate.py),
so `check-config` refuses the same dead ends, loops, unreachable menus and missing
prompts the web refuses, with the key of the menu at fault."""

from __future__ import annotations

from appliance.config.model import Config


def check_ivr_tree(cfg: Config, problems) -> None:
    from appliance.ivr.validate import Known, validate
    from appliance.prompts.library import HOLD_MUSIC
    from appliance.prompts.texts import TEXTS

    voicemail = cfg.voicemail
    if voicemail.max_s <= 0:
        problems.add("voicemail.max_s", f"must be greater than 0 (got {voicemail.max_s:g})")
    if not 0 <= voicemail.min_s < max(voicemail.max_s, 0.001):
        problems.add("voicemail.min_s", f"must be 0 or more and below max_s (got "
                                        f"{voicemail.min_s:g})")
    # When the menus' own keys are wrong already, the graph would only repeat it: then
    # only the hours are checked here.
    hours_only = any(key.startswith("ivr") for key, _ in problems.items)
    office = cfg.office.language
    extra = set(cfg.prompts.texts) | set(cfg.prompts.custom) | {HOLD_MUSIC}

    def has(key: str, lang: str) -> bool:
        return key in TEXTS.get(lang, {}) or (lang == office and key in extra)

    known = Known(queues={q.name for q in cfg.queue}, dispatchers={d.name for d in cfg.dispatcher},
                  language=office, has_prompt=has)
    index = {m.id: i for i, m in enumerate(cfg.ivr.menus)}
    for p in validate(cfg.ivr, known):
        if hours_only and p.node != "hours":
            continue
        key = f"ivr.menu[{index[p.node]}]" if p.node in index else f"ivr.{p.node or 'menu'}"
        problems.add(key, p.message)
