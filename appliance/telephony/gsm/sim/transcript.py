"""Recorded modem transcripts the simulator replays (tests/fixtures/modems/transcripts).

A transcript is a text file::

    # source: https://github.com/gammu/gammu/pull/823 (who sent it, where it is published)
    # profile: generic
    > AT+CMGL=4                 the command the box sends
    < +CMGL: 1,0,,24            the modem's answer, all ``<`` lines in one write —
    < 0791...                   lines after the final result ride in the same read
    < OK                        (a ``<`` with nothing after it is a blank line)
    ! +CMTI: "ME",2             unsolicited lines; consecutive ``!`` lines are one write
    = 1.5                       inside a reply: the modem takes this long (seconds)
                                before the lines after it (an ATD held until answer)

Header comments ``# key: value`` are kept as metadata; ``source`` is required.
The simulator answers a scripted command with its recorded reply (each recorded
exchange once, in order) and everything else as it normally would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Exchange:
    command: str
    reply: list[str | float] = field(default_factory=list)  # a float: a pause


@dataclass
class Transcript:
    name: str
    meta: dict[str, str]
    exchanges: list[Exchange]
    unsolicited: list[list[str]]  # groups of ``!`` lines, in file order

    @property
    def source(self) -> str:
        return self.meta.get("source", "")


class TranscriptError(ValueError):
    pass


def parse(text: str, name: str = "transcript") -> Transcript:
    meta: dict[str, str] = {}
    exchanges: list[Exchange] = []
    groups: list[list[str]] = []
    last = ""
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\n")
        kind, body = line[:1], line[2:] if len(line) > 1 else ""
        if kind == "#":
            key, sep, value = line[1:].strip().partition(":")
            if sep and key.strip().isidentifier() and key.strip() not in meta:
                meta[key.strip()] = value.strip()
            last = "#"
            continue
        if not line.strip():
            last = ""
            continue
        if kind == ">":
            exchanges.append(Exchange(body.strip()))
        elif kind == "<":
            if not exchanges:
                raise TranscriptError(f"{name}:{n}: a reply before any command")
            exchanges[-1].reply.append(body.rstrip())
        elif kind == "=":
            if not exchanges:
                raise TranscriptError(f"{name}:{n}: a pause before any command")
            exchanges[-1].reply.append(float(body))
        elif kind == "!":
            if last != "!":
                groups.append([])
            groups[-1].append(body.rstrip())
        else:
            raise TranscriptError(f"{name}:{n}: a line must start with # > < = or !")
        last = kind
    if not meta.get("source"):
        raise TranscriptError(f"{name}: no '# source:' header")
    return Transcript(name, meta, exchanges, groups)


def load(path: str | Path) -> Transcript:
    p = Path(path)
    return parse(p.read_text(encoding="utf-8"), p.stem)
