"""Crash-safe JSON files: a power cut leaves the old file or the new one, never half.

Writes go to a temp file in the same directory, are flushed and fsynced, renamed
over the target with ``os.replace`` (atomic on POSIX), and the directory is
fsynced so the rename itself survives. A damaged file is reported, never read
as empty: an empty config would silently turn the box into defaults.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from tinydb import Storage

from appliance.errors import ConfigError

FILE_MODE = 0o600

Writer = Callable[[int, bytes], None]


def write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, mode: int = FILE_MODE,
                       writer: Writer = write_all) -> None:
    """Replace ``path`` with ``data`` atomically and durably; the file gets ``mode``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            os.fchmod(fd, mode)
            writer(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_write_json(path: Path, obj: Any, mode: int = FILE_MODE,
                      writer: Writer = write_all) -> None:
    data = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    atomic_write_bytes(path, data, mode, writer)


def read_json_object(path: Path) -> dict | None:
    """The JSON object in ``path``; None if the file does not exist; ConfigError if damaged."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    advice = "restore it from a backup or run `callbox provision` again"
    if not raw.strip():
        raise ConfigError(str(path), f"the file is empty (damaged?); {advice}")
    try:
        obj = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), f"damaged: not UTF-8 at byte {exc.start}; {advice}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), f"damaged: not valid JSON ({exc.msg} at line {exc.lineno} "
                                     f"column {exc.colno}); {advice}") from exc
    if not isinstance(obj, dict):
        raise ConfigError(str(path), f"damaged: expected a JSON object; {advice}")
    return obj


class AtomicJSONStorage(Storage):
    """TinyDB storage over one JSON file, replaced atomically on every write.

    Use as ``TinyDB(path, storage=AtomicJSONStorage)``. ``writer`` writes the
    bytes to the temp file's descriptor (tests inject one that fails midway).
    """

    def __init__(self, path: str | Path, mode: int = FILE_MODE, writer: Writer = write_all):
        super().__init__()
        self._path = Path(path)
        self._mode = mode
        self._writer = writer

    @property
    def path(self) -> Path:
        return self._path

    def read(self) -> dict[str, dict[str, Any]] | None:
        return read_json_object(self._path)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        atomic_write_json(self._path, data, self._mode, self._writer)
