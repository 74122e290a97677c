"""The session-signing key, kept in ``<data>/web_secret`` (0600) across restarts."""

from __future__ import annotations

import secrets
from pathlib import Path

from appliance.config.storage import atomic_write_bytes

SECRET_FILE = "web_secret"
SECRET_BYTES = 32


def load_or_create_secret(data_dir: Path) -> bytes:
    """The stored key; a missing or damaged one is replaced (which only signs people out)."""
    path = Path(data_dir) / SECRET_FILE
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = b""
    if len(key) >= SECRET_BYTES:
        return key
    key = secrets.token_bytes(SECRET_BYTES)
    atomic_write_bytes(path, key, mode=0o600)
    return key
