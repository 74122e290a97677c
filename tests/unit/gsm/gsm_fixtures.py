"""Load the transcript tables in tests/fixtures/modems (each entry cites its source)."""

from __future__ import annotations

import tomllib
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "modems"


def load(name: str) -> dict:
    with open(FIXTURES / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


def cases(name: str, table: str) -> list:
    """Entries of ``table`` as pytest params, each with its source as the id."""
    import pytest

    return [pytest.param(entry, id=f"{table}{i}-{entry.get('line', entry.get('hex', ''))[:40]}")
            for i, entry in enumerate(load(name)[table])]
