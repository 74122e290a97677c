"""Scheduled backups to a directory (a USB stick or a mounted network share).

Every ``every_hours`` the core writes ``callbox-YYYYmmdd-HHMMSS.cbx`` into ``[backup]
dir`` (first to a hidden temp name, renamed when complete, so a pulled stick never holds
a half archive under the real name) and keeps the newest ``keep``. A missing or
read-only directory is logged and retried next time; it never stops the core.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from appliance.backup.archive import create_backup
from appliance.config.model import BackupConfig

log = logging.getLogger("callbox.backup")

PREFIX, SUFFIX = "callbox-", ".cbx"


def read_passphrase(path: str) -> str | None:
    if not path:
        return None
    text = Path(path).read_text(encoding="utf-8").strip()
    return text or None


def backup_to_dir(data_dir: Path, target_dir: Path, passphrase: str | None, keep: int,
                  now: datetime | None = None) -> Path:
    """One archive into ``target_dir``; older ones beyond ``keep`` are removed."""
    now = now or datetime.now(timezone.utc)
    target_dir.mkdir(parents=True, exist_ok=True)
    final = target_dir / f"{PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIX}"
    partial = target_dir / f".{final.name}.part"
    try:
        with open(partial, "wb") as out:
            create_backup(data_dir, out, passphrase)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    archives = sorted(p for p in target_dir.glob(f"{PREFIX}*{SUFFIX}"))
    for old in archives[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return final


class BackupJob:
    def __init__(self, data_dir: Path, config: BackupConfig,
                 on_done: Callable[[Path | None, str], None] | None = None):
        self.data_dir, self.config = Path(data_dir), config
        self.on_done = on_done or (lambda path, error: None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.config.dir)

    def start(self) -> None:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="backup", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def run_once(self) -> Path | None:
        try:
            path = backup_to_dir(self.data_dir, Path(self.config.dir),
                                 read_passphrase(self.config.passphrase_file), self.config.keep)
        except Exception as exc:  # noqa: BLE001 - logged and retried; the core goes on
            log.error("scheduled backup to %s failed: %s", self.config.dir, exc)
            self.on_done(None, str(exc))
            return None
        log.info("scheduled backup written: %s", path)
        self.on_done(path, "")
        return path

    def _run(self) -> None:
        while not self._stop.wait(self.config.every_hours * 3600.0):
            self.run_once()
