"""Unsolicited result codes: a ``(regex, handler)`` table.

A rule may need more lines than the one that matched: ``+CMT:`` is followed by
its PDU, ``+CUSD:`` may carry a reply whose text spans several lines. ``more``
decides, from the lines gathered so far, whether the URC is still incomplete.
Handlers run on the channel's reader thread and must return at once (post work
elsewhere); the channel guards them so a failing handler never kills the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

Handler = Callable[[re.Match, list[str]], None]
More = Callable[[list[str]], bool]

MAX_URC_LINES = 40  # a runaway multi-line URC (a lost closing quote) ends here


@dataclass(frozen=True)
class UrcRule:
    pattern: re.Pattern
    handler: Handler
    more: More | None = None
    # For call-ending codes: also the final result of a pending ATD/ATA.
    ends_call_command: bool = False
    # Blank lines while gathering belong to the URC (the text of a USSD answer).
    keeps_blank: bool = False


class UrcTable:
    def __init__(self) -> None:
        self._rules: list[UrcRule] = []

    def add(self, pattern: str, handler: Handler, more: More | None = None,
            ends_call_command: bool = False, keeps_blank: bool = False) -> None:
        self._rules.append(UrcRule(re.compile(pattern), handler, more, ends_call_command,
                                   keeps_blank))

    def match(self, line: str) -> tuple[UrcRule, re.Match] | None:
        for rule in self._rules:
            m = rule.pattern.match(line)
            if m:
                return rule, m
        return None

    def __len__(self) -> int:
        return len(self._rules)


def lines_after(n: int) -> More:
    """The URC is its first line plus ``n`` more (``+CMT:`` + PDU, ``+CDS:`` + PDU)."""
    return lambda lines: len(lines) < n + 1


_CUSD_DONE = re.compile(r'^\+CUSD:\s*\d+\s*(,\s*"(?s:.*)"\s*(,\s*\d+\s*)?)?$')


def cusd_more(lines: list[str]) -> bool:
    """A ``+CUSD:`` reply is complete once its quoted text is closed."""
    return not _CUSD_DONE.match("\n".join(lines))
