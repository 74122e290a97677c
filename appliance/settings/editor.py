"""Edit sections of the stored config (``<data>/config.json``) from the admin page.

The form sends text; each value is turned into its field's type (from the config
dataclasses), the whole config is checked by ``parse_config`` — the same rules as
``callbox.toml`` — and refused with every bad field named (``dispatcher[1].lamp``).
Only then is it stored, with who edited which section when. Secrets (trunk passwords,
SIM PINs) are never shown nor touched here. Which wins: a later import of a *changed*
callbox.toml replaces web edits (the page says so, and the audit log has both).
"""

from __future__ import annotations

import copy
import dataclasses
import typing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from appliance.config.loader import ConfigProblems, config_to_dict, parse_config
from appliance.config.model import (Config, DispatcherConfig, GsmConfig, LampsConfig,
                                    QueueConfig)
from appliance.config.storage import read_json_object
from appliance.config.store import ConfigStore, merge_secrets, split_secrets
from appliance.errors import ConfigError
from appliance.store.db import iso

# section -> (dataclass, is a list of tables, fields shown: scalars minus secrets)
SECTIONS: dict[str, tuple[type, bool]] = {
    "dispatcher": (DispatcherConfig, True),
    "queue": (QueueConfig, True),
    "gsm": (GsmConfig, True),
    "lamps": (LampsConfig, False),
}
HIDDEN = {"pin", "password"}
MAX_ROWS = 64


class SettingsRefused(ConfigError):
    """Bad values; ``problems`` maps each field path (``dispatcher[1].lamp``) to why."""

    def __init__(self, problems: dict[str, str]):
        key, message = next(iter(problems.items()))
        super().__init__(key, message)
        self.problems = problems


def fields_of(section: str) -> list[tuple[str, Any]]:
    """(name, type) of the scalar fields the page edits in ``section``."""
    cls, _ = SECTIONS[section]
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        base = _scalar(hint)
        if base is not None and f.name not in HIDDEN:
            out.append((f.name, hint))
    return out


def _scalar(hint: Any) -> type | None:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if hint in (str, int, float, bool):
        return hint
    if args and len(args) == 1 and args[0] in (int, float, str):
        return args[0]  # Optional[int] etc.
    return None


def _convert(raw: str, hint: Any) -> Any:
    """Text from the form as the field's type; text that does not fit stays text, so
    the validator names the field and says what it expected."""
    base = _scalar(hint)
    optional = type(None) in typing.get_args(hint)
    text = raw.strip()
    if base is bool:
        return text in ("1", "on", "true", "yes")
    if base is str:
        return text
    if text == "" and optional:
        return "none"  # the TOML way of saying "no pin"
    try:
        return base(text) if base is int else float(text)
    except ValueError:
        return text


class SettingsEditor:
    def __init__(self, data_dir: Path | str, clock=lambda: datetime.now(timezone.utc)):
        self.data_dir, self.clock = Path(data_dir), clock

    def _doc(self) -> dict:
        with ConfigStore(self.data_dir) as store:
            doc = store._read_doc()  # noqa: SLF001 - the store's own document, read-only here
        if doc is None:
            return {"config": config_to_dict(Config()), "schema_version": 1}
        return doc

    def current(self, section: str) -> Any:
        value = self._doc()["config"].get(section)
        cls, many = SECTIONS[section]
        if value is None:
            value = [] if many else config_to_dict(Config())[section]
        return copy.deepcopy(value)

    def meta(self) -> dict:
        return {k: v for k, v in self._doc().items() if k != "config"}

    def rows_from_form(self, section: str, form: Mapping[str, str]) -> Any:
        """The section as the form describes it: ``<section>-<i>-<field>`` inputs, rows
        with ``-remove`` ticked left out, an all-empty new row ignored."""
        fields = fields_of(section)
        _, many = SECTIONS[section]
        old = self.current(section)
        if not many:
            merged = dict(old)
            merged.update({name: _convert(form.get(f"{section}-0-{name}", ""), hint)
                           for name, hint in fields})
            return merged
        rows = []
        for i in range(MAX_ROWS + 1):
            present = [n for n, _ in fields if f"{section}-{i}-{n}" in form]
            if not present:
                continue
            texts = {n: form.get(f"{section}-{i}-{n}", "") for n, _ in fields}
            if form.get(f"{section}-{i}-remove") or (i >= len(old) and not any(
                    v.strip() for v in texts.values() if v not in ("on",))):
                continue
            row = dict(old[i]) if i < len(old) else {}
            row.update({n: _convert(texts[n], hint) for n, hint in fields})
            rows.append(row)
        return rows

    def update(self, section: str, value: Any, actor: str) -> Config:
        """Check the whole config with ``section`` replaced; store it; the new Config."""
        if section not in SECTIONS:
            raise SettingsRefused({section: "not a section the web edits"})
        doc = self._doc()
        public = copy.deepcopy(doc["config"])
        public[section] = value
        secrets = read_json_object(self.data_dir / "secrets.json") or {}
        try:
            config = parse_config(merge_secrets(public, secrets))
        except ConfigProblems as exc:
            raise SettingsRefused(dict(p.split(": ", 1) for p in exc.problems)) from None
        except ConfigError as exc:
            raise SettingsRefused({exc.key: exc.message}) from None
        stored, _ = split_secrets(config_to_dict(config))
        edits = dict(doc.get("web_edits") or {})
        edits[section] = {"at": iso(self.clock()), "by": actor}
        doc = {**doc, "config": stored, "web_edits": edits}
        with ConfigStore(self.data_dir) as store:
            store._write_doc(doc)  # noqa: SLF001 - one atomic write of the whole document
        return config
