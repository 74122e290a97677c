"""Find every msgid in the code and templates (Babel's extractors), and keep a
catalogue up to date with them.

    python -m appliance.i18n.extract web/translations      # add missing msgids
    python -m appliance.i18n.extract --check               # list untranslated ones

Keywords: ``_``, ``gettext``, ``ngettext`` (singular, plural) and ``N_``; templates
through Jinja's extractor; scripts hold no text (they get it injected as JSON).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from appliance.i18n import LANGUAGES, PO_NAME, default_roots, find_po_files

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = {".py": "python", ".html": "jinja2.ext:babel_extract"}
SKIP_DIRS = {"__pycache__", "translations", "node_modules"}


@dataclass
class Found:
    msgid: str
    plural: str | None = None
    places: list[tuple[str, int]] = field(default_factory=list)


def source_files(roots: Iterable[Path]) -> list[Path]:
    files = []
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix in METHODS and path.is_file() \
                    and not SKIP_DIRS.intersection(path.parts):
                files.append(path)
    return files


def extract(roots: Iterable[Path] | None = None) -> dict[str, Found]:
    """msgid -> where it is used, over every .py and .html file under ``roots``."""
    found: dict[str, Found] = {}
    base = Path.cwd()
    for path in source_files(roots or default_roots()):
        method = METHODS[path.suffix]
        options = {"extensions": "jinja2.ext.i18n"} if path.suffix == ".html" else {}
        for lineno, message, _comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS, options=options,
                strip_comment_tags=True):
            singular, plural = (message if isinstance(message, tuple) else (message, None))[:2]
            if not singular:
                continue
            entry = found.setdefault(singular, Found(singular, plural))
            try:
                shown = str(path.resolve().relative_to(base))
            except ValueError:
                shown = str(path)
            entry.places.append((shown, lineno))
    return found


def translated(roots: Iterable[Path] | None = None) -> dict[str, dict[str, str]]:
    """lang -> {msgid: translation} over every catalogue (untranslated entries left out)."""
    out: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        done: dict[str, str] = {}
        for po in find_po_files(roots or default_roots(), lang):
            with open(po, "rb") as fh:
                for message in read_po(fh):
                    if not message.id or message.fuzzy:
                        continue
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    text = message.string
                    if isinstance(text, tuple):
                        text = text[0] if all(text) else ""
                    if text:
                        done[key] = text
        out[lang] = done
    return out


def missing(found: dict[str, Found], done: dict[str, dict[str, str]]) -> list[tuple[str, str, Found]]:
    """(lang, msgid, where) for every msgid lacking a translation."""
    return [(lang, msgid, entry) for lang, texts in done.items()
            for msgid, entry in sorted(found.items()) if msgid not in texts]


def update(folder: Path, found: dict[str, Found], done: dict[str, dict[str, str]]) -> int:
    """Add to ``folder``'s catalogues every msgid no catalogue translates yet."""
    added = 0
    for lang in done:
        po = folder / lang / "LC_MESSAGES" / PO_NAME
        if po.exists():
            with open(po, "rb") as fh:
                catalog = read_po(fh)
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project="callbox", fuzzy=False)
        for msgid, entry in sorted(found.items()):
            if msgid in done[lang] or catalog.get(msgid if entry.plural is None
                                                  else (msgid, entry.plural)) is not None:
                continue
            catalog.add((msgid, entry.plural) if entry.plural else msgid,
                        ("", "") if entry.plural else "", locations=entry.places[:3],
                        flags=("python-format",) if "%(" in msgid else ())
            added += 1
        with open(po, "wb") as fh:
            write_po(fh, catalog, width=100, include_lineno=False)
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, help="a translations/ folder to update")
    parser.add_argument("--check", action="store_true", help="list untranslated msgids")
    args = parser.parse_args(argv)
    found, done = extract(), translated()
    if args.folder:
        print(f"{update(args.folder, found, done)} msgids added to {args.folder}")
    gaps = missing(found, done)
    for lang, msgid, entry in gaps:
        file, line = entry.places[0]
        print(f"{file}:{line}: [{lang}] {msgid!r}")
    return 1 if args.check and gaps else 0


if __name__ == "__main__":
    sys.exit(main())
