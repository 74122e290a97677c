"""Making a backup archive: a gzip'd tar of the data directory with ``manifest.json``.

SQLite is copied through its online backup API (a consistent snapshot while the core
writes); its -wal/-shm files, sockets, logs and temporary files are left out. The
manifest names the format version, the database schema version and every file's
SHA-256, so a restore can refuse anything damaged, foreign or too new.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import sqlite3
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from appliance import __version__
from appliance.backup.crypto import encrypt_file
from appliance.store.db import DB_FILENAME, SCHEMA, db_path, iso

log = logging.getLogger("callbox.backup")

FORMAT = "callbox-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = "db/" + DB_FILENAME
FILES_PREFIX = "files/"
# never in an archive: the live database (copied through the backup API instead), its
# journal files, the control socket, logs, temporary and previous-restore files
SKIP_NAMES = {DB_FILENAME, DB_FILENAME + "-wal", DB_FILENAME + "-shm", DB_FILENAME + "-journal"}
SKIP_DIRS = {"run", "logs", "backups"}
SKIP_PREFIXES = (".backup-", ".restore-")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_files(data_dir: Path) -> list[Path]:
    """Files of the data dir that belong in a backup, relative to it (sorted)."""
    found = []
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        if (rel.parts[0] in SKIP_DIRS or any(p.startswith(SKIP_PREFIXES) for p in rel.parts)
                or path.name in SKIP_NAMES or path.name.endswith(".tmp")):
            continue
        if path.is_file() and not path.is_symlink():
            found.append(rel)
    return found


def snapshot_db(data_dir: Path, target: Path) -> None:
    """A consistent copy of the live database (the core may be writing)."""
    source = sqlite3.connect(db_path(data_dir), timeout=5)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def create_backup(data_dir: Path | str, dst: BinaryIO, passphrase: str | None = None) -> dict:
    """Write one archive of ``data_dir`` to ``dst``; returns its manifest."""
    data_dir = Path(data_dir)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=data_dir) as tmp:
        staged = Path(tmp)
        files: dict[str, dict] = {}
        plain = staged / "archive.tar.gz"
        with tarfile.open(plain, "w:gz") as tar:
            if db_path(data_dir).exists():
                snapshot_db(data_dir, staged / DB_FILENAME)
                _add(tar, staged / DB_FILENAME, DB_MEMBER, files)
            for rel in data_files(data_dir):
                _add(tar, data_dir / rel, FILES_PREFIX + rel.as_posix(), files)
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                        "callbox_version": __version__, "schema_version": len(SCHEMA),
                        "created_at": iso(datetime.now(timezone.utc)),
                        "encrypted": bool(passphrase), "files": files}
            raw = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(raw), 0o600
            tar.addfile(info, io.BytesIO(raw))
        with open(plain, "rb") as src:
            if passphrase:
                encrypt_file(src, dst, passphrase)
            else:
                shutil.copyfileobj(src, dst)
    log.info("backup made: %d files, encrypted=%s", len(files), bool(passphrase))
    return manifest


def _add(tar: tarfile.TarFile, path: Path, name: str, files: dict) -> None:
    files[name] = {"sha256": sha256_of(path), "size": path.stat().st_size}
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(path, "rb") as fh:
        tar.addfile(info, fh)
