"""Message catalogues (gettext through Babel), usable with or without Flask.

Every ``translations/<lang>/LC_MESSAGES/messages.po`` found under the given roots is
read and compiled in memory (no ``.mo`` files are kept) and merged into one catalogue
per language. msgids are the English text, so English needs no catalogue.

Core code marks user-facing text with :func:`N_` and sends the msgid plus its params;
whoever shows it (the web) translates it in the reader's language.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

log = logging.getLogger("callbox.i18n")

LANGUAGES = ("en", "ru", "fa")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "fa": "فارسی"}
RTL = frozenset({"fa"})
PO_NAME = "messages.po"

_PERSIAN_DIGITS = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")
# One %-placeholder: %(name)spec or %% (named placeholders only, as in the msgids).
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\)([#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa])|%)")


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction; it is returned unchanged (translated on display)."""
    return msgid


def pick_language(*candidates: str | None) -> str:
    """The first candidate we have a catalogue for, else English."""
    for lang in candidates:
        if lang and lang.lower()[:2] in LANGUAGES:
            return lang.lower()[:2]
    return "en"


def persian_digits(text: Any) -> str:
    return str(text).translate(_PERSIAN_DIGITS)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_params(text: str, params: Mapping[str, Any], lang: str,
                  escape: Callable[[Any], str] | None = None) -> str:
    """Fill ``%(name)s`` placeholders. Numbers get Persian digits on Persian text;
    other values (names like ``gsm1``) are left as they are. ``escape`` (HTML) is
    applied to every non-number value."""
    def one(match: re.Match) -> str:
        name, spec = match.group(1), match.group(2)
        if name is None:
            return "%"
        value = params[name]
        shown = ("%" + spec) % (value,)
        if is_number(value):
            return persian_digits(shown) if lang == "fa" else shown
        return escape(shown) if escape else shown
    return _PLACEHOLDER.sub(one, text)


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _pattern(msgid: str) -> tuple[re.Pattern, tuple[str, ...]] | None:
    """A regex matching ``msgid`` once filled in, and its numeric placeholders."""
    parts, numeric, pos, names = [], [], 0, set()
    for match in _PLACEHOLDER.finditer(msgid):
        parts.append(re.escape(msgid[pos:match.start()]))
        pos = match.end()
        name, spec = match.group(1), match.group(2)
        if name is None:
            parts.append("%")
        elif name in names:
            parts.append(f"(?P={name})")
        else:
            names.add(name)
            if spec[-1] in "diouxX":
                numeric.append(name)
                parts.append(f"(?P<{name}>-?\\d+)")
            elif spec[-1] in "eEfFgG":
                numeric.append(name)
                parts.append(f"(?P<{name}>-?[\\d.]+)")
            else:
                parts.append(f"(?P<{name}>.+?)")
    if not names:
        return None
    parts.append(re.escape(msgid[pos:]))
    return re.compile("".join(parts), re.S), tuple(numeric)


def _patterns_of(tr: NullTranslations) -> list:
    """Reverse patterns of every msgid with placeholders, the longest literal first
    (so "caller hung up while waiting (%(r)s)" wins over "%(x)s")."""
    found, seen = [], set()
    for key in getattr(tr, "_catalog", {}):
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or "%(" not in msgid or msgid in seen:
            continue
        seen.add(msgid)
        compiled = _pattern(msgid)
        if compiled is not None:
            literal = len(_PLACEHOLDER.sub("", msgid))
            found.append((literal, compiled[0], msgid, compiled[1]))
    found.sort(key=lambda item: -item[0])
    return [(p, m, n) for _, p, m, n in found]


@lru_cache(maxsize=256)
def _compiled(path: str, mtime_ns: int, size: int) -> Translations:
    """One .po compiled to an in-memory .mo (cached while the file is unchanged)."""
    with open(path, "rb") as fh:
        catalog = read_po(fh)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain="messages")


def _translation_folders(roots: Iterable[Path]) -> list[Path]:
    return sorted({folder for root in roots for folder in Path(root).rglob("translations")
                   if folder.is_dir()})


def find_po_files(roots: Iterable[Path], lang: str) -> list[Path]:
    """Every ``translations/<lang>/LC_MESSAGES/messages.po`` under ``roots``, sorted."""
    return [po for po in (folder / lang / "LC_MESSAGES" / PO_NAME
                          for folder in _translation_folders(roots)) if po.is_file()]


@lru_cache(maxsize=32)
def _merged_translator(lang: str, files: tuple[tuple[str, int, int], ...]) -> "Translator":
    """One language's catalogues merged (cached while none of the files changed: every
    app built in a process shares it)."""
    merged: Translations | None = None
    for path, mtime_ns, size in files:
        try:
            one = _compiled(path, mtime_ns, size)
        except Exception as exc:  # a broken catalogue must not take the UI down
            log.error("cannot read catalogue %s: %s", path, exc)
            continue
        if merged is None:
            merged = Translations()
            merged._catalog = {}  # fresh: do not alias the cached one
            merged.plural = one.plural  # every file of a language has the same rule
        merged._catalog.update(one._catalog)
    tr = merged or NullTranslations()
    return Translator(lang, tr, _patterns_of(tr))


def default_roots() -> list[Path]:
    """The ``appliance`` and ``web`` packages next to each other (source tree or install)."""
    here = Path(__file__).resolve().parent.parent
    return [here, here.parent / "web"]


@dataclass
class Translator:
    """Text, digits and direction for one language."""

    lang: str
    _tr: NullTranslations = field(default_factory=NullTranslations, repr=False)
    _patterns: list = field(default_factory=list, repr=False)
    _recovered: dict = field(default_factory=dict, repr=False)

    @property
    def rtl(self) -> bool:
        return self.lang in RTL

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    def raw(self, msgid: str) -> str:
        """The translation of ``msgid`` without filling placeholders."""
        return self._tr.gettext(msgid)

    def raw_plural(self, singular: str, plural: str, n: int) -> str:
        return self._tr.ngettext(singular, plural, n)

    def gettext(self, msgid: str, **params: Any) -> str:
        text = self.raw(msgid)
        return format_params(text, params, self.lang) if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        params.setdefault("n", n)
        return format_params(self.raw_plural(singular, plural, n), params, self.lang)

    def message(self, msgid: str, params: Mapping[str, Any] | None = None,
                _depth: int = 0) -> str:
        """A core message (msgid + params as sent over the control socket, or English
        text already filled in, e.g. a stored hang-up cause) in this language. Text
        params are isolated (FSI..PDI) so "486 all call slots busy" keeps its order
        inside a Persian sentence. In recovered text a param that is a msgid itself (the
        reason in "caller hung up while waiting (busy)") is translated too; params sent
        as params are data (names) and are only isolated."""
        recovered = False
        if not params and self.lang != "en" and self.raw(msgid) == msgid:
            found = self._recover(msgid)
            if found is not None:
                (msgid, params), recovered = found, True
        if not params:
            return self.raw(msgid)
        shown = {k: self._param(v, _depth if recovered else None) for k, v in params.items()}
        try:
            return format_params(self.raw(msgid), shown, self.lang)
        except (KeyError, ValueError, TypeError):  # params not matching the msgid
            log.warning("message params do not fit msgid=%r params=%r", msgid, params)
            return self.raw(msgid)

    def _param(self, value: Any, depth: int | None) -> Any:
        if not isinstance(value, str) or self.lang == "en":
            return value
        if depth is None:
            text = value  # a name or other data: shown as sent
        else:
            text = self.message(value, None, depth + 1) if depth < 1 else self.raw(value)
        return f"\u2068{text}\u2069" if self.rtl else text

    def _recover(self, text: str) -> tuple[str, dict[str, Any]] | None:
        """English text that was filled in before it was stored -> (msgid, params)."""
        if text in self._recovered:
            return self._recovered[text]
        found = self._match(text)
        if len(self._recovered) < 4096:  # call-log pages repeat the same few causes
            self._recovered[text] = found
        return found

    def _match(self, text: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, msgid, numeric in self._patterns:
            match = pattern.fullmatch(text)
            if match:
                params: dict[str, Any] = dict(match.groupdict())
                for name in numeric:
                    params[name] = _number(params[name])
                return msgid, params
        return None

    def digits(self, text: Any) -> str:
        """Numbers as the reader writes them (Persian digits on Persian pages)."""
        return persian_digits(text) if self.lang == "fa" else str(text)

    def catalog(self, msgids: Iterable[str]) -> dict[str, str]:
        """The translations of ``msgids`` (for a page's JavaScript)."""
        return {m: self.raw(m) for m in msgids}


class Catalogues:
    """The merged catalogue of every language, read once when built."""

    def __init__(self, roots: Iterable[Path] | None = None):
        self.roots = [Path(r) for r in (roots if roots is not None else default_roots())]
        self._by_lang: dict[str, Translator] = {"en": Translator("en")}
        folders = _translation_folders(self.roots)
        for lang in LANGUAGES:
            if lang != "en":
                files = []
                for folder in folders:
                    po = folder / lang / "LC_MESSAGES" / PO_NAME
                    try:
                        stat = po.stat()
                    except OSError:
                        continue
                    files.append((str(po), stat.st_mtime_ns, stat.st_size))
                self._by_lang[lang] = _merged_translator(lang, tuple(files))

    def translator(self, lang: str | None) -> Translator:
        return self._by_lang[pick_language(lang)]
