"""Build a typed :class:`Config` from ``callbox.toml``, naming every bad key.

Building is driven by the dataclasses in ``model.py`` (types come from their
annotations); the meaning of values (URIs, pins, references between sections)
is checked afterwards. All problems are collected so a technician can fix them
in one go: the raised :class:`ConfigProblems` carries the first as ``key`` /
``message`` and all of them in ``problems``.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Callable

from appliance.config.model import (
    AcdConfig, RecordingConfig, Config, DeskConfig, DispatcherConfig, GsmConfig, IvrConfig, IvrHours, IvrMenu, IvrWeekly,
    LampsConfig, RetentionConfig, BackupConfig,
    OfficeConfig, PromptsConfig, QueueConfig, RouteConfig, SipConfig, SipTrunk, VoicemailConfig, WebConfig,
)
from appliance.errors import ConfigError
from appliance.config.validate import (  # noqa: F401  (re-exported: the public names)
    BAUDRATES, DTMF_KEYS, GPIO_PINS, GSM_PROFILES, LANGUAGES, NO_PIN, PIN_FACTORIES,
    STRATEGIES, _Problems, _validate, host_ok, sip_uri_problem,
)



_TOML_NAMES = {(IvrConfig, "menus"): "menu", (IvrWeekly, "from_"): "from"}


class ConfigProblems(ConfigError):
    """Several configuration problems; ``problems`` lists them as ``key: message``."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(*problems[0])
        self.problems = [f"{key}: {message}" for key, message in problems]

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        return f"{len(self.problems)} problems:\n  " + "\n  ".join(self.problems)




_BAD = object()  # a value that failed its type check; the field keeps its default

Builder = Callable[[Any, str, _Problems], Any]


# --- public API ----------------------------------------------------------------

def parse_config(data: dict) -> Config:
    """Build and check a Config from a TOML-shaped dict; raise ConfigProblems."""
    problems = _Problems()
    if not isinstance(data, dict):
        raise ConfigProblems([("(top)", "the configuration must be a table")])
    cfg = _build(Config, data, "", problems, _SECTIONS)
    _validate(cfg, data, problems)
    if problems.items:
        raise ConfigProblems(problems.items)
    return cfg


def read_toml(raw: bytes, source: str | Path) -> dict:
    """Decode TOML bytes; a syntax error becomes a ConfigError with its line."""
    try:
        text = raw.decode("utf-8-sig")  # Windows editors add a BOM
    except UnicodeDecodeError as exc:
        raise ConfigError(str(source), f"not UTF-8 text (bad byte at offset {exc.start})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(source), f"TOML syntax error: {exc}") from exc


def parse_toml_bytes(raw: bytes, source: str | Path) -> Config:
    """Parse a callbox.toml's bytes; relative prompt files resolve against its folder."""
    data = read_toml(raw, source)
    cfg = parse_config(data)
    base = Path(source).absolute().parent
    cfg.prompts.custom = {key: str(base / value) if not Path(value).is_absolute() else value
                          for key, value in cfg.prompts.custom.items()}
    return cfg


def load_toml(path: str | Path) -> Config:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    return parse_toml_bytes(raw, path)


def check_config_file(path: str | Path) -> list[str]:
    """Human-readable problems of a callbox.toml (empty list = ok)."""
    try:
        cfg = load_toml(path)
    except ConfigProblems as exc:
        return list(exc.problems)
    except ConfigError as exc:
        return [str(exc)]
    return [f"prompts.custom.{key}: file not found: {value}"
            for key, value in cfg.prompts.custom.items() if not Path(value).is_file()]


def config_to_dict(cfg: Config) -> dict:
    """The TOML-shaped dict of ``cfg``; ``parse_config`` turns it back into ``cfg``."""
    return _to_dict(cfg)


def split_listen(value: str) -> tuple[str, int]:
    """``"0.0.0.0:8080"`` → ``("0.0.0.0", 8080)``; ``"[::1]:5060"`` → ``("::1", 5060)``."""
    host, _, port = value.rpartition(":")
    return host.removeprefix("[").removesuffix("]"), int(port)


# --- building from the model's type hints ---------------------------------------

def _toml_name(cls: type, field_name: str) -> str:
    return _TOML_NAMES.get((cls, field_name), field_name)


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _describe(value: Any) -> str:
    """A value's type in TOML words, for messages."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    names = {int: "an integer", float: "a number", str: "a string", list: "a list",
             dict: "a table"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return f"{name} ({value!r})" if kind in (int, float, str) else name
    return type(value).__name__


_WANT = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _scalar_ok(hint: type, value: Any) -> bool:
    if isinstance(value, bool):  # bool is an int in Python, never in TOML
        return hint is bool
    if hint is float:
        return isinstance(value, (int, float))
    return isinstance(value, hint)


def _coerce(hint: Any, value: Any, key: str, problems: _Problems) -> Any:
    """Check ``value`` against a type hint of the model; _BAD after reporting."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):  # `int | None`: a pin that may be off
        if value == NO_PIN:
            return None
        inner = next(a for a in args if a is not type(None))
        if _scalar_ok(inner, value):
            return value
        problems.add(key, f'must be {_WANT[inner]} or "{NO_PIN}", not {_describe(value)}')
        return _BAD
    if origin in (list, dict):
        return _coerce_container(origin, args, value, key, problems)
    if _scalar_ok(hint, value):
        return float(value) if hint is float else value
    problems.add(key, f"must be {_WANT[hint]}, not {_describe(value)}")
    return _BAD


def _coerce_container(origin: type, args: tuple, value: Any, key: str,
                      problems: _Problems) -> Any:
    if not isinstance(value, origin):
        want = "a list" if origin is list else "a table"
        problems.add(key, f"must be {want}, not {_describe(value)}")
        return _BAD
    if origin is list:
        items = [_coerce(args[0], v, f"{key}[{i}]", problems) for i, v in enumerate(value)]
        return _BAD if _BAD in items else items
    out = {k: _coerce(args[1], v, f"{key}.{k}", problems) for k, v in value.items()}
    return _BAD if _BAD in out.values() else out


def _build(cls: type, data: dict, key: str, problems: _Problems,
           nested: dict[str, Builder] | None = None) -> Any:
    """One dataclass from one TOML table; bad fields keep their defaults."""
    fields = {_toml_name(cls, f.name): f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    prefix = f"{key}." if key else ""
    for name in data:
        if name not in fields:
            close = difflib.get_close_matches(str(name), list(fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.add(f"{prefix}{name}", f"unknown key{hint}")
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        required = _default(f) is dataclasses.MISSING
        value: Any = _BAD
        if name in data:
            build = (nested or {}).get(f.name)
            value = (build(data[name], prefix + name, problems) if build
                     else _coerce(hints[f.name], data[name], prefix + name, problems))
        elif required:
            problems.add(prefix + name, "missing (this key is required)")
        if value is not _BAD:
            kwargs[f.name] = value
        elif required:
            kwargs[f.name] = ""  # every required field is a string; keeps checking going
    return cls(**kwargs)


def _table(cls: type, nested: dict[str, Builder] | None = None) -> Builder:
    def build(value: Any, key: str, problems: _Problems) -> Any:
        if not isinstance(value, dict):
            problems.add(key, f"must be a table ([{key}]), not {_describe(value)}")
            return _BAD
        return _build(cls, value, key, problems, nested)
    return build


def _table_list(cls: type) -> Builder:
    def build(value: Any, key: str, problems: _Problems) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.add(key, f"must be a list of tables ([[{key}]]), not {_describe(value)}")
            return _BAD
        return [_build(cls, item, f"{key}[{i}]", problems) for i, item in enumerate(value)]
    return build


_SECTIONS: dict[str, Builder] = {
    "office": _table(OfficeConfig),
    "web": _table(WebConfig),
    "sip": _table(SipConfig, {"trunk": _table_list(SipTrunk)}),
    "gsm": _table_list(GsmConfig),
    "route": _table_list(RouteConfig),
    "dispatcher": _table_list(DispatcherConfig),
    "lamps": _table(LampsConfig),
    "ivr": _table(IvrConfig, {"menus": _table_list(IvrMenu),
                              "hours": _table(IvrHours, {"weekly": _table_list(IvrWeekly)})}),
    "queue": _table_list(QueueConfig),
    "prompts": _table(PromptsConfig),
    "voicemail": _table(VoicemailConfig),
    "acd": _table(AcdConfig),
    "recording": _table(RecordingConfig),
    "desk": _table(DeskConfig),
    "retention": _table(RetentionConfig),
    "backup": _table(BackupConfig),
}


def _to_dict(obj: Any) -> dict:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = _toml_name(type(obj), f.name)
        if value is None:
            if _default(f) is not None:  # TOML has no null; say "none" explicitly
                out[name] = NO_PIN
        elif dataclasses.is_dataclass(value):
            out[name] = _to_dict(value)
        elif isinstance(value, list):
            out[name] = [_to_dict(v) if dataclasses.is_dataclass(v) else v for v in value]
        elif isinstance(value, dict):
            out[name] = dict(value)
        else:
            out[name] = value
    return out


# --- small checks ----------------------------------------------------------------
