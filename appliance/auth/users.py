"""Users and API tokens in ``<data>/users.json`` (TinyDB, atomic writes).

Passwords are kept as salted scrypt hashes, tokens only as their SHA-256, so a
copied ``users.json`` gives away no secret. Every call opens the file afresh:
the web process then sees a token that ``callbox token create`` just added.

A user record also holds: ``dispatcher`` (the dispatcher this user works as — an
explicit link, never guessed from the name), ``language`` ("" = the office's),
``disabled``, ``must_change`` (the password must be changed at the next sign-in),
``locked`` (too many wrong passwords; an admin lifts it) and ``sessions`` — the ids of
the web sessions that are signed in. A session cookie is only good while its id is
listed here, so sign-out, a password change and disabling a user end it at once.
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
MIN_PASSWORD = 8
MAX_SESSIONS = 20  # per user; the oldest sign-in is dropped beyond that
PUBLIC_FIELDS = ("name", "role", "dispatcher", "language", "disabled", "must_change",
                 "locked", "created_at")


class AuthError(CallboxError):
    """A user or token operation was refused (unknown role, duplicate name, ...)."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r} (one of {', '.join(ROLES)})")


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AuthError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise AuthError("a password has at most 1024 characters")


def _public(user: dict) -> dict:
    defaults = {"dispatcher": "", "language": "", "disabled": False, "must_change": False,
                "locked": False, "created_at": ""}
    return {k: user.get(k, defaults.get(k)) for k in PUBLIC_FIELDS}


class UserStore:
    def __init__(self, data_dir: Path | str):
        self.path = Path(data_dir) / "users.json"
        self._lock = threading.Lock()

    def _db(self) -> TinyDB:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return TinyDB(self.path, storage=AtomicJSONStorage)

    # -- users -------------------------------------------------------------------
    def add_user(self, name: str, password: str, role: str, dispatcher: str = "",
                 language: str = "", must_change: bool = False) -> None:
        _check_password(password)
        self._add(name, password, role, dispatcher, language, must_change)

    def _add(self, name: str, password: str, role: str, dispatcher: str = "",
             language: str = "", must_change: bool = False) -> None:
        name = name.strip()
        _check_role(role)
        if not name or len(name) > 64 or any(c.isspace() or not c.isprintable() for c in name):
            raise AuthError("a user name is 1 to 64 characters without spaces")
        record = {"name": name, "role": role, "password": hash_password(password),
                  "created_at": _now(), "dispatcher": dispatcher.strip(),
                  "language": language, "disabled": False, "must_change": must_change,
                  "locked": False, "sessions": []}
        with self._lock, self._db() as db:
            users = db.table("users")
            if users.get(Query().name == name) is not None:
                raise AuthError(f"user {name!r} already exists")
            users.insert(record)
        log.info("user added name=%s role=%s", name, role)

    def set_password(self, name: str, password: str, must_change: bool = False) -> None:
        """A new password; every signed-in session of the user ends."""
        _check_password(password)
        self._update(name, {"password": hash_password(password), "must_change": must_change,
                            "sessions": []})
        log.info("password changed user=%s", name)

    def update_user(self, name: str, **fields) -> None:
        """Change ``role``, ``dispatcher``, ``language``, ``disabled`` or ``locked``.
        Disabling a user ends their sessions."""
        unknown = set(fields) - {"role", "dispatcher", "language", "disabled", "locked"}
        if unknown:
            raise AuthError(f"unknown user field {sorted(unknown)[0]!r}")
        if "role" in fields:
            _check_role(fields["role"])
        if fields.get("disabled"):
            fields["sessions"] = []
        self._update(name, fields)
        log.info("user changed name=%s fields=%s", name, ",".join(sorted(fields)))

    def _update(self, name: str, fields: dict) -> None:
        with self._lock, self._db() as db:
            if not db.table("users").update(fields, Query().name == name):
                raise AuthError(f"no user named {name!r}")

    def remove_user(self, name: str) -> bool:
        with self._lock, self._db() as db:
            return bool(db.table("users").remove(Query().name == name))

    def users(self) -> list[dict]:
        """The public fields of every user (never the hashes or session ids)."""
        with self._lock, self._db() as db:
            return [_public(u) for u in db.table("users").all()]

    def account(self, name: str) -> dict | None:
        """One user's public fields, or None."""
        with self._lock, self._db() as db:
            user = db.table("users").get(Query().name == name)
        return _public(user) if user else None

    def role_of(self, name: str) -> str | None:
        user = self.account(name)
        return user["role"] if user and not user["disabled"] else None

    def verify(self, name: str, password: str) -> str | None:
        """The user's role when the password is right and the user may sign in, else None."""
        with self._lock, self._db() as db:
            user = db.table("users").get(Query().name == name.strip())
        if user is None:
            burn_time(password)
            return None
        if not verify_password(password, user["password"]):
            return None
        return None if user.get("disabled") or user.get("locked") else user["role"]

    def is_locked(self, name: str) -> bool:
        user = self.account(name)
        return bool(user and user["locked"])

    # -- web sessions (server side) ---------------------------------------------------
    def start_session(self, name: str) -> str:
        """A new session id for ``name``, listed until sign-out or a password change."""
        sid = secrets.token_urlsafe(24)
        with self._lock, self._db() as db:
            users = db.table("users")
            user = users.get(Query().name == name)
            if user is None:
                raise AuthError(f"no user named {name!r}")
            sessions = [s for s in user.get("sessions", []) if isinstance(s, str)]
            users.update({"sessions": (sessions + [sid])[-MAX_SESSIONS:]},
                         Query().name == name)
        return sid

    def session_account(self, name: str, sid: str) -> dict | None:
        """The user's public fields when ``sid`` is one of their live sessions and the
        user is enabled, else None."""
        if not name or not sid:
            return None
        with self._lock, self._db() as db:
            user = db.table("users").get(Query().name == name)
        if user is None or user.get("disabled") or sid not in user.get("sessions", []):
            return None
        return _public(user)

    def end_session(self, name: str, sid: str) -> None:
        with self._lock, self._db() as db:
            users = db.table("users")
            user = users.get(Query().name == name)
            if user is not None:
                users.update({"sessions": [s for s in user.get("sessions", []) if s != sid]},
                             Query().name == name)

    def ensure_admin(self, password: str, must_change: bool = True) -> bool:
        """Create the "admin" user when there is no user at all; True if created. A
        generated password must be changed at the first sign-in."""
        with self._lock, self._db() as db:
            if len(db.table("users")):
                return False
        # the demo's well-known password is shorter than MIN_PASSWORD: no length check here
        self._add(ADMIN, password, "admin", must_change=must_change)
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
        info = self.token_info(token)
        return info["role"] if info else None

    def token_info(self, token: str) -> dict[str, str] | None:
        """Id, role and label of a valid token, or None when it is unknown or revoked."""
        if not token or len(token) > 200:
            return None
        digest = token_digest(token)
        with self._lock, self._db() as db:
            record = db.table("tokens").get(Query().sha256 == digest)
        return {k: record.get(k, "") for k in ("id", "role", "label")} if record else None

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
