"""Load the modem transcripts in tests/fixtures/modems (each cites its source)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest


TRANSCRIPTS = Path(__file__).resolve().parents[1] / "fixtures" / "modems" / "transcripts"
FIXTURES = TRANSCRIPTS.parent


def transcript(name: str):
    """A recorded exchange from tests/fixtures/modems/transcripts (cites its source)."""
    from appliance.telephony.gsm.sim import transcript as tr

    return tr.load(TRANSCRIPTS / f"{name}.at")


def table(name: str, key: str) -> list:
    """Entries of a TOML fixture table as pytest params (each has a ``source``)."""
    with open(FIXTURES / f"{name}.toml", "rb") as fh:
        rows = tomllib.load(fh)[key]
    assert all(row.get("source") for row in rows), f"{name}.{key}: an entry without a source"
    return [pytest.param(row, id=f"{key}{i}-{row.get('line', '')[:32]}")
            for i, row in enumerate(rows)]
