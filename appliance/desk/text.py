"""Search keys for text as people really type it (Persian, Russian, Latin).

``fold`` maps every spelling a dispatcher may use to one key: Arabic ي/ك/ى to
Persian ی/ک, ZWNJ and tatweel to a space or nothing, Persian and Arabic-Indic
digits to ASCII, Russian ё to е, case, diacritics, punctuation and runs of spaces.
"""

from __future__ import annotations

import re
import unicodedata

_MAP = str.maketrans({
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا",
    "ٱ": "ا", "ؤ": "و", "ё": "е", "Ё": "е",
    "\u200c": " ", "\u200d": "", "\u200e": "", "\u200f": "", "\u0640": "",  # ZWNJ, tatweel
    "\u00a0": " ", "\u202f": " ",
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
})
_PUNCT = re.compile(r"[\s\-_,.;:!?،؛/\\()\[\]{}\"'«»#]+")


def fold(text: str | None) -> str:
    """The search key of ``text`` (empty for None)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_MAP)
    # Drop combining marks (Arabic harakat, Latin accents) but keep letters like й.
    text = "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if not (unicodedata.combining(ch) and not _keeps_mark(ch)))
    text = unicodedata.normalize("NFC", text).casefold()
    return _PUNCT.sub(" ", text).strip()


def _keeps_mark(ch: str) -> bool:
    return ch == "\u0306"  # the breve of Russian й (и + ◌̆): й is not и


def tokens(text: str | None) -> list[str]:
    return [t for t in fold(text).split(" ") if t]


def fts_query(text: str | None) -> str:
    """An FTS5 query matching every word of ``text`` as a prefix ("" when no words)."""
    return " ".join('"' + t.replace('"', "") + '"*' for t in tokens(text))
