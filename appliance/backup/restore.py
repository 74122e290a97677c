"""Restoring a backup archive: every check first, then the change.

Refused with the reason, and nothing changed, when the file is not a callbox backup
(foreign), cannot be decrypted (wrong passphrase), is damaged or cut short (truncated),
lacks or misstates a file (each file's SHA-256 is checked against the manifest), holds
a database that fails SQLite's integrity check, or was made by a newer callbox (format
or schema version). Only then is the database copied into the live one through SQLite's
backup API (other connections see the restored data at once) and each file replaced
atomically. Files that are newer than the backup and absent from it are left alone.
"""

from __future__ import annotations

import gzip
import json
import logging
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from appliance.backup.archive import (DB_MEMBER, FILES_PREFIX, FORMAT, FORMAT_VERSION,
                                      MANIFEST, sha256_of)
from appliance.backup.crypto import DecryptError, decrypt_chunks, is_encrypted
from appliance.config.storage import atomic_write_bytes
from appliance.errors import CallboxError
from appliance.store.db import SCHEMA, db_path, open_db

log = logging.getLogger("callbox.backup")

GZIP_MAGIC = b"\x1f\x8b"


class BackupError(CallboxError):
    """A backup cannot be made or restored; the message says why."""


def read_backup(archive: Path, staging: Path, passphrase: str | None) -> dict:
    """Unpack ``archive`` into ``staging`` and check it completely; returns the manifest."""
    plain = staging / "archive.tar.gz"
    _decrypt_to(archive, plain, passphrase)
    files = staging / "files"
    names = _unpack(plain, files)
    manifest = _manifest(files)
    expected = set(manifest["files"]) | {MANIFEST}
    if names != expected:
        missing = sorted(expected - names)
        raise BackupError(f"the archive is incomplete: {missing[0] if missing else 'extra files'}"
                          " does not match its manifest")
    for name, meta in manifest["files"].items():
        if sha256_of(files / name) != meta.get("sha256"):
            raise BackupError(f"the archive is damaged: {name} does not match its checksum")
    if DB_MEMBER in names:
        _check_db(files / DB_MEMBER)
    return manifest


def _decrypt_to(archive: Path, plain: Path, passphrase: str | None) -> None:
    try:
        with open(archive, "rb") as src:
            head = src.read(64)
            src.seek(0)
            if is_encrypted(head):
                if not passphrase:
                    raise BackupError("the archive is encrypted: give its passphrase")
                with open(plain, "wb") as out:
                    for chunk in decrypt_chunks(src, passphrase):
                        out.write(chunk)
            elif head.startswith(GZIP_MAGIC):
                with open(plain, "wb") as out:
                    shutil.copyfileobj(src, out)
            elif not head:
                raise BackupError("the file is empty")
            else:
                raise BackupError("this is not a callbox backup")
    except DecryptError as exc:
        raise BackupError(str(exc)) from None
    except OSError as exc:
        raise BackupError(f"cannot read the archive: {exc}") from None


def _unpack(plain: Path, into: Path) -> set[str]:
    names = set()
    try:
        with gzip.open(plain, "rb") as whole:  # the gzip CRC and length catch any damage
            while whole.read(1 << 20):
                pass
        with tarfile.open(plain, "r:gz") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                if (not member.isfile() or name.is_absolute() or ".." in name.parts
                        or not (member.name == MANIFEST or member.name == DB_MEMBER
                                or member.name.startswith(FILES_PREFIX))):
                    raise BackupError(f"this is not a callbox backup (unexpected {member.name!r})")
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                names.add(member.name)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"the archive is damaged or truncated ({exc})") from None
    return names


def _manifest(files: Path) -> dict:
    try:
        manifest = json.loads((files / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError("this is not a callbox backup (no readable manifest)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("this is not a callbox backup (unknown format)")
    version, schema = manifest.get("format_version"), manifest.get("schema_version")
    if not isinstance(version, int) or not isinstance(schema, int) or not isinstance(
            manifest.get("files"), dict):
        raise BackupError("this is not a callbox backup (bad manifest)")
    if version > FORMAT_VERSION:
        raise BackupError(f"the archive was made by a newer callbox (format {version}, this "
                          f"one reads up to {FORMAT_VERSION}); update callbox first")
    if schema > len(SCHEMA):
        raise BackupError(f"the archive's database is newer (schema {schema}, this callbox "
                          f"knows {len(SCHEMA)}); update callbox first")
    return manifest


def _check_db(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the archive's database is damaged ({exc})") from None
    if result != "ok":
        raise BackupError(f"the archive's database is damaged ({result})")


def restore_backup(data_dir: Path | str, archive: Path | str,
                   passphrase: str | None = None) -> dict:
    """Check ``archive`` completely, then make ``data_dir`` hold its data."""
    data_dir = Path(data_dir)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=data_dir) as tmp:
        staging = Path(tmp)
        manifest = read_backup(Path(archive), staging, passphrase)
        files = staging / "files"
        if (files / DB_MEMBER).exists():
            _restore_db(files / DB_MEMBER, db_path(data_dir))
        for name in manifest["files"]:
            if name.startswith(FILES_PREFIX):
                target = data_dir / name[len(FILES_PREFIX):]
                atomic_write_bytes(target, (files / name).read_bytes(), mode=0o600)
    log.warning("backup restored: made %s, %d files", manifest.get("created_at"),
                len(manifest["files"]))
    return manifest


def _restore_db(source: Path, live: Path) -> None:
    """Copy the restored database into the live one (then migrate it to this version)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(live, timeout=10)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    open_db(live).close()  # an older schema is brought up to date
