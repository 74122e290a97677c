"""Every piece of UI text is a msgid with a Persian and a Russian translation, and no
template shows text that bypasses the catalogue.

The msgids are found the way Babel finds them (``_``, ``gettext``, ``ngettext``, ``N_``
in Python; Jinja's extractor for templates) over all of web/ and appliance/, and
checked against every translations/ catalogue the app merges. A failure names the
file and line, so whoever added the text knows where to add its translation
(``python -m appliance.i18n.extract <package>/translations`` adds the empty entries).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from appliance.i18n import LANGUAGES, default_roots, find_po_files
from appliance.i18n.extract import extract, missing, translated

ROOTS = default_roots()
PLACEHOLDER = re.compile(r"%\((\w+)\)")
# Attributes a reader sees or hears (screen readers): these must come from _() too.
VISIBLE_ATTRS = {"title", "placeholder", "alt", "aria-label", "label"}
# {% block page %}calls{% endblock %} names the page for CSS: not shown
PAGE_BLOCK = re.compile(r"{%-?\s*block page\s*-?%}.*?{%-?\s*endblock\s*-?%}", re.S)
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)


@pytest.fixture(scope="module")
def found():
    return extract(ROOTS)


def test_the_extractor_sees_python_templates_and_marked_core_messages(found):
    # one of each kind, so an extractor that silently finds nothing cannot pass
    assert "Sign out" in found  # web/templates/base.html
    assert "Choose a GSM line." in found  # web/messages.py, _()
    assert "Nobody waiting" in found  # web/i18n_pages.py, N_() for the live page's script
    assert "Power supply too weak right now (under-voltage)" in found  # appliance, N_()
    assert any(f.endswith(".html") for entry in found.values() for f, _ in entry.places)


def test_every_msgid_has_a_persian_and_a_russian_translation(found):
    gaps = missing(found, translated(ROOTS))
    report = [f"{entry.places[0][0]}:{entry.places[0][1]}: no {lang} translation for {msgid!r}"
              for lang, msgid, entry in gaps]
    assert not report, "\n".join(report)


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_keep_the_placeholders_of_their_msgid(lang):
    """A translation that drops or renames %(name)s would fail when the page is drawn."""
    bad = []
    for po in find_po_files(ROOTS, lang):
        with open(po, "rb") as fh:
            for message in read_po(fh):
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                texts = message.string if isinstance(message.string, tuple) else (message.string,)
                wanted = set(PLACEHOLDER.findall(ids[-1]))
                for text in texts:
                    if text and set(PLACEHOLDER.findall(text)) != wanted:
                        bad.append(f"{po}: {ids[0]!r} -> {text!r}")
    assert not bad, "\n".join(bad)


class _VisibleText(HTMLParser):
    """Text a reader sees in a template once every Jinja tag is taken out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRS and value and _has_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and _has_words(data):
            self.found.append((self.getpos()[0], data.strip()))


def _ui_words(text: str) -> bool:
    if any(ch.isalpha() and not ch.isascii() for ch in text):
        return True
    words = re.findall(r"[A-Za-z]{2,}", text)
    return len(words) >= 2 and " " in text.strip() and not re.fullmatch(r"[a-z0-9_\- ]*", text)


def test_the_script_check_tells_words_from_class_names():
    assert _ui_words("Nobody is waiting") and _ui_words("در انتظار")
    assert not _ui_words("badge state-") and not _ui_words("use strict")
    assert not _ui_words("Content-Type")


# a file path, URL, address or file name ("/media/usb/fullchain.pem"), or an acronym that
# every language writes the same ("IMEI"), is not prose
_TECHNICAL = re.compile(r"\s*(?:[\w+\-]*[/.:@][\w./:@+\-]*|[A-Z][A-Z0-9]{1,7})\s*")


def _has_words(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and not _TECHNICAL.fullmatch(text)


def literal_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of words written straight into a template, outside any {{ }}."""
    blanked = PAGE_BLOCK.sub("", source)
    blanked = JINJA.sub(lambda m: "\n" * m.group(0).count("\n"), blanked)
    parser = _VisibleText()
    parser.feed(blanked)
    parser.close()
    return parser.found


def template_files() -> list[Path]:
    return sorted(p for root in ROOTS for p in Path(root).rglob("*.html")
                  if "__pycache__" not in p.parts)


def test_the_literal_text_check_catches_words_outside_the_catalogue():
    bad = '<p>{{ _("Saved") }}</p>\n<button title="Close">✓ Done</button>\n<p>{{ x }} – ·</p>'
    assert literal_text(bad) == [(2, 'title="Close"'), (2, "✓ Done")]
    assert literal_text('<script>const a = "text";</script><p>{{ _("Hi") }} ⚠</p>') == []
    assert literal_text('<input placeholder="/media/usb/key.pem">') == []


def test_templates_show_no_text_outside_the_catalogue():
    files = template_files()
    assert any(p.name == "base.html" for p in files)
    report = [f"{path}:{line}: {text!r}" for path in files
              for line, text in literal_text(path.read_text(encoding="utf-8"))]
    assert not report, "text outside _() in templates:\n" + "\n".join(report)


def test_scripts_carry_no_ui_words():
    """Page scripts get their words as JSON from the page (web.i18n_pages): a string
    literal of several words that is not a list of CSS classes, or any Persian or
    Russian letter, is UI text written into the script."""
    literal = re.compile(r"""(["'`])((?:\\.|(?!\1).)*)\1""")
    report = []
    for root in ROOTS:
        for path in sorted(Path(root).rglob("*.js")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("//", 1)[0]
                for match in literal.finditer(code):
                    if _ui_words(match.group(2)):
                        report.append(f"{path}:{n}: {match.group(0)}")
    assert not report, "\n".join(report)
