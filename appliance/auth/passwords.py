"""Salted scrypt password hashes (hashlib only; parameters stored with each hash)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

# 16 MiB of memory per hash: slow enough to hurt guessing, fast enough on a Raspberry Pi.
N, R, P = 2 ** 14, 8, 1
DKLEN = 32


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r, dklen=DKLEN)


def hash_password(password: str) -> dict[str, Any]:
    salt = secrets.token_bytes(16)
    return {"scheme": "scrypt", "n": N, "r": R, "p": P, "salt": salt.hex(),
            "hash": _scrypt(password, salt, N, R, P).hex()}


def verify_password(password: str, record: dict[str, Any]) -> bool:
    try:
        expected = bytes.fromhex(record["hash"])
        got = _scrypt(password, bytes.fromhex(record["salt"]),
                      int(record["n"]), int(record["r"]), int(record["p"]))
    except (KeyError, ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, got)


def burn_time(password: str) -> None:
    """Spend as long as a real check, so a wrong name is not faster than a wrong password."""
    _scrypt(password, b"\0" * 16, N, R, P)
