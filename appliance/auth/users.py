"""Users and API tokens in ``<data>/users.json`` (TinyDB, atomic writes).

Passwords are kept as salted scrypt hashes, tokens only as their SHA-256, so a
copied ``users.json`` gives away no secret. Every call opens the file afresh:
the web process then sees a token that ``callbox token create`` just added.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from datetime import datetime, timezone
from pathlib import Path

from tinydb import Query, TinyDB

from appliance.config.storage import AtomicJSONStorage
from appliance.errors import CallboxError
from appliance.auth.passwords import burn_time, hash_password, verify_password

log = logging.getLogger("callbox.auth")

ROLES = ("dispatcher", "supervisor", "technician", "admin")
TOKEN_PREFIX = "cbx_"
ADMIN = "admin"


class AuthError(CallboxError):
    """A user or token operation was refused (unknown role, duplicate name, ...)."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r} (one of {', '.join(ROLES)})")


class UserStore:
    def __init__(self, data_dir: Path | str):
        self.path = Path(data_dir) / "users.json"
        self._lock = threading.Lock()

    def _db(self) -> TinyDB:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return TinyDB(self.path, storage=AtomicJSONStorage)

    # -- users -------------------------------------------------------------------
    def add_user(self, name: str, password: str, role: str) -> None:
        name = name.strip()
        _check_role(role)
        if not name:
            raise AuthError("a user needs a name")
        if len(password) < 4:
            raise AuthError("a password needs at least 4 characters")
        record = {"name": name, "role": role, "password": hash_password(password),
                  "created_at": _now()}
        with self._lock, self._db() as db:
            users = db.table("users")
            if users.get(Query().name == name) is not None:
                raise AuthError(f"user {name!r} already exists")
            users.insert(record)
        log.info("user added name=%s role=%s", name, role)

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 4:
            raise AuthError("a password needs at least 4 characters")
        with self._lock, self._db() as db:
            if not db.table("users").update({"password": hash_password(password)},
                                            Query().name == name):
                raise AuthError(f"no user named {name!r}")

    def remove_user(self, name: str) -> bool:
        with self._lock, self._db() as db:
            return bool(db.table("users").remove(Query().name == name))

    def users(self) -> list[dict[str, str]]:
        """Name, role and creation time of every user (never the hashes)."""
        with self._lock, self._db() as db:
            return [{"name": u["name"], "role": u["role"], "created_at": u.get("created_at", "")}
                    for u in db.table("users").all()]

    def role_of(self, name: str) -> str | None:
        with self._lock, self._db() as db:
            user = db.table("users").get(Query().name == name)
        return user["role"] if user else None

    def verify(self, name: str, password: str) -> str | None:
        """The user's role when the password is right, else None."""
        with self._lock, self._db() as db:
            user = db.table("users").get(Query().name == name.strip())
        if user is None:
            burn_time(password)
            return None
        return user["role"] if verify_password(password, user["password"]) else None

    def ensure_admin(self, password: str) -> bool:
        """Create the "admin" user when there is no user at all; True if created."""
        with self._lock, self._db() as db:
            if len(db.table("users")):
                return False
        self.add_user(ADMIN, password, "admin")
        return True

    # -- API tokens -------------------------------------------------------------------
    def create_token(self, role: str, label: str = "") -> str:
        """A new token for ``role``; the plaintext is returned once and never stored."""
        _check_role(role)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        digest = token_digest(token)
        with self._lock, self._db() as db:
            db.table("tokens").insert({"id": digest[:12], "sha256": digest, "role": role,
                                       "label": label, "created_at": _now()})
        log.info("token created id=%s role=%s label=%s", digest[:12], role, label)
        return token

    def check_token(self, token: str) -> str | None:
        """The token's role, or None when it is unknown or revoked."""
        if not token:
            return None
        digest = token_digest(token)
        with self._lock, self._db() as db:
            record = db.table("tokens").get(Query().sha256 == digest)
        return record["role"] if record else None

    def tokens(self) -> list[dict[str, str]]:
        """Id, role, label and creation time of every token (never the secret)."""
        with self._lock, self._db() as db:
            return [{k: t.get(k, "") for k in ("id", "role", "label", "created_at")}
                    for t in db.table("tokens").all()]

    def revoke(self, token_or_id: str) -> bool:
        """Revoke by plaintext token or by the id shown in :meth:`tokens`."""
        digest = token_digest(token_or_id)
        token = Query()
        with self._lock, self._db() as db:
            removed = db.table("tokens").remove((token.sha256 == digest)
                                                | (token.id == token_or_id))
        return bool(removed)
