"""The provisioned configuration, kept in TinyDB on the data partition.

``<data>/config.json`` (table ``config``, document 1) holds the validated,
TOML-shaped config with ``schema_version``, the sha256 of the imported file and
when it was imported. Secrets (SIP trunk passwords, SIM PINs) live in
``<data>/secrets.json`` (mode 0600) and are merged back on load.

Stored documents are versioned: ``MIGRATIONS[i]`` takes a config dict from
version i+1 to i+2 (write ``_migrate_1_to_2(cfg) -> cfg`` and append it).
"""

from __future__ import annotations

import copy
import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from tinydb import TinyDB
from tinydb.table import Document

from appliance.config.loader import config_to_dict, parse_config, parse_toml_bytes
from appliance.config.model import Config
from appliance.config.storage import AtomicJSONStorage, atomic_write_json, read_json_object
from appliance.errors import ConfigError
from appliance.events import utcnow
from appliance.store.db import iso

log = logging.getLogger("callbox.config")

CONFIG_FILE = "config.json"
SECRETS_FILE = "secrets.json"
_DOC_ID = 1

Migration = Callable[[dict], dict]

# Version 1 is the first stored shape; nothing to migrate yet.
MIGRATIONS: tuple[Migration, ...] = ()

# (path of a list of tables in the TOML-shaped dict, secret field in each table)
_SECRET_FIELDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("sip", "trunk"), "password"),
    (("gsm",), "pin"),
)


def _tables_at(data: dict, path: tuple[str, ...]) -> list[dict]:
    node: Any = data
    for part in path:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return [t for t in node if isinstance(t, dict)] if isinstance(node, list) else []


def split_secrets(data: dict) -> tuple[dict, dict]:
    """(config without secrets, {"sip.trunk": {name: {"password": ..}}, "gsm": ...})."""
    public = copy.deepcopy(data)
    secrets: dict[str, dict] = {}
    for path, field in _SECRET_FIELDS:
        for table in _tables_at(public, path):
            value = table.pop(field, "")
            if value:
                secrets.setdefault(".".join(path), {})[table["name"]] = {field: value}
    return public, secrets


def merge_secrets(public: dict, secrets: dict) -> dict:
    data = copy.deepcopy(public)
    for path, field in _SECRET_FIELDS:
        stored = secrets.get(".".join(path), {})
        for table in _tables_at(data, path):
            if table.get("name") in stored:
                table[field] = stored[table["name"]][field]
    return data


class ConfigStore:
    """Provision from callbox.toml once; every process then loads the stored copy."""

    def __init__(self, data_dir: str | Path, migrations: Sequence[Migration] = MIGRATIONS,
                 clock: Callable[[], datetime] = utcnow):
        self._dir = Path(data_dir)
        self._migrations = tuple(migrations)
        self._clock = clock
        self._db = TinyDB(self._dir / CONFIG_FILE, storage=AtomicJSONStorage)
        self._table = self._db.table("config")

    @property
    def schema_version(self) -> int:
        return 1 + len(self._migrations)

    @property
    def secrets_path(self) -> Path:
        return self._dir / SECRETS_FILE

    def provision(self, toml_path: str | Path) -> Config:
        """Validate ``toml_path`` and store it; raises ConfigError and stores nothing if bad."""
        path = Path(toml_path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from exc
        cfg = parse_toml_bytes(raw, path)
        public, secrets = split_secrets(config_to_dict(cfg))
        # Secrets first: a stored config never names a trunk whose password is missing.
        atomic_write_json(self.secrets_path, secrets)
        self._write_doc({
            "schema_version": self.schema_version,
            "source_sha256": hashlib.sha256(raw).hexdigest(),
            "source_path": str(path.absolute()),
            "imported_at": iso(self._clock()),
            "config": public,
        })
        log.info("provisioned %s (sha256 %s)", path, hashlib.sha256(raw).hexdigest()[:12])
        return cfg

    def load(self) -> Config:
        """The stored config with secrets merged; defaults if nothing was provisioned."""
        doc = self._read_doc()
        if doc is None:
            return Config()
        doc = self._migrated(doc)
        secrets = read_json_object(self.secrets_path) or {}
        return parse_config(merge_secrets(doc["config"], secrets))

    def source_hash(self) -> str | None:
        """sha256 of the provisioned callbox.toml (to notice an edited boot-partition file)."""
        doc = self._read_doc()
        return None if doc is None else doc.get("source_sha256")

    def meta(self) -> dict | None:
        """What was provisioned when (no config, no secrets), for status pages."""
        doc = self._read_doc()
        return None if doc is None else {k: v for k, v in doc.items() if k != "config"}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ConfigStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------
    def _read_doc(self) -> dict | None:
        doc = self._table.get(doc_id=_DOC_ID)
        return None if doc is None else dict(doc)

    def _write_doc(self, doc: dict) -> None:
        # One upsert = one atomic file write (a truncate+insert would be two).
        self._table.upsert(Document(doc, doc_id=_DOC_ID))

    def _migrated(self, doc: dict) -> dict:
        key = f"{CONFIG_FILE}.schema_version"
        version, target = doc.get("schema_version"), self.schema_version
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ConfigError(key, f"invalid value {version!r}; provision again")
        if version > target:
            raise ConfigError(key, f"version {version} is newer than this callbox "
                                   f"understands ({target}); update callbox or provision again")
        if not isinstance(doc.get("config"), dict):
            raise ConfigError(f"{CONFIG_FILE}.config", "missing; provision again")
        if version == target:
            return doc
        data = copy.deepcopy(doc["config"])
        for step in range(version, target):
            data = self._migrations[step - 1](data)
            log.info("stored config migrated from version %d to %d", step, step + 1)
        doc = {**doc, "config": data, "schema_version": target}
        self._write_doc(doc)  # once: later loads start from the new version
        return doc
