"""The running IVR tree, versioned in TinyDB (``<data>/ivr.json``, atomic writes).

Table ``current`` (one document) holds the tree in force::

    {version, source: "toml"|"web", saved_at, saved_by, toml_sha256, tree, pending_toml}

Table ``history`` keeps the last ``KEEP`` versions. Who wins on a re-import:
**the web**. callbox.toml's ``[ivr]`` is imported when nothing was saved yet, or
when the tree in force came from callbox.toml too. Once a supervisor saved on the
web, a changed ``[ivr]`` in callbox.toml is kept aside as ``pending_toml`` and
the IVR page says so (and offers to take it); nothing is silently dropped.

Both processes write (the web saves, the core imports at start): each
read-modify-write holds an exclusive ``flock`` on ``ivr.json.lock``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from tinydb import TinyDB
from tinydb.table import Document

from appliance.config.model import IvrConfig
from appliance.config.storage import AtomicJSONStorage
from appliance.events import utcnow
from appliance.ivr.document import config_to_doc, doc_to_config
from appliance.store.db import iso

log = logging.getLogger("callbox.ivr")

IVR_FILE = "ivr.json"
KEEP = 20
_DOC = 1


def tree_hash(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


class IvrStore:
    def __init__(self, data_dir: str | Path, clock: Callable[[], datetime] = utcnow):
        self._dir = Path(data_dir)
        self._clock = clock
        self._path = self._dir / IVR_FILE

    @contextmanager
    def _db(self) -> Iterator[TinyDB]:
        self._dir.mkdir(parents=True, exist_ok=True)
        with open(self._dir / (IVR_FILE + ".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            db = TinyDB(self._path, storage=AtomicJSONStorage)
            try:
                yield db
            finally:
                db.close()

    # -- reading ------------------------------------------------------------------
    def current(self) -> dict | None:
        """The record in force (tree + version + source), or None before any import."""
        if not self._path.exists():
            return None
        with self._db() as db:
            doc = db.table("current").get(doc_id=_DOC)
        return dict(doc) if doc else None

    def history(self) -> list[dict]:
        if not self._path.exists():
            return []
        with self._db() as db:
            rows = [dict(r) for r in db.table("history").all()]
        return sorted(rows, key=lambda r: r["version"], reverse=True)

    def load(self, fallback: IvrConfig, night_switch: int | None = None) -> tuple[IvrConfig, int]:
        """The tree in force as an IvrConfig and its version (``fallback`` if none)."""
        record = self.current()
        if record is None:
            return fallback, 0
        return doc_to_config(record["tree"], night_switch), int(record["version"])

    # -- writing ------------------------------------------------------------------
    def import_toml(self, cfg: IvrConfig) -> dict:
        """At start: take callbox.toml's [ivr] unless the web's edits are in force."""
        doc = config_to_doc(cfg)
        sha = tree_hash(doc)
        with self._db() as db:
            current = db.table("current").get(doc_id=_DOC)
            if current is None or (current["source"] == "toml" and current["toml_sha256"] != sha):
                return self._write(db, current, doc, "toml", "callbox.toml", sha)
            if current["source"] == "web" and current.get("toml_sha256") != sha:
                pending = current.get("pending_toml") or {}
                if pending.get("sha256") != sha:
                    log.warning("callbox.toml [ivr] changed, but the tree saved on the web "
                                "(version %s) stays in force; the IVR page offers the new one",
                                current["version"])
                    record = {**current, "pending_toml": {"sha256": sha, "tree": doc,
                                                          "seen_at": iso(self._clock())}}
                    db.table("current").upsert(Document(record, doc_id=_DOC))
                    return record
            return dict(current)

    def save(self, doc: dict, user: str) -> dict:
        """A tree saved on the web (already validated) becomes the next version."""
        with self._db() as db:
            current = db.table("current").get(doc_id=_DOC)
            pending = (current or {}).get("pending_toml")
            return self._write(db, current, doc, "web", user,
                               (current or {}).get("toml_sha256", ""), pending)

    def take_toml(self, user: str) -> dict | None:
        """Put the pending callbox.toml tree in force (the web's version stays in history)."""
        with self._db() as db:
            current = db.table("current").get(doc_id=_DOC)
            pending = (current or {}).get("pending_toml")
            if not pending:
                return None
            return self._write(db, current, pending["tree"], "toml", f"callbox.toml ({user})",
                               pending["sha256"])

    def version(self, version: int) -> dict | None:
        """A kept version (tree and who saved it), or None when it is no longer kept."""
        return next((r for r in self.history() if r["version"] == version), None)

    def set_night(self, on: bool, user: str) -> dict:
        with self._db() as db:
            current = db.table("current").get(doc_id=_DOC)
            if current is None:
                raise LookupError("no IVR tree stored yet")
            doc = {**current["tree"], "night_mode": bool(on)}
            return self._write(db, current, doc, current["source"], user,
                               current.get("toml_sha256", ""), current.get("pending_toml"))

    def _write(self, db: TinyDB, current, doc: dict, source: str, user: str, sha: str,
               pending: dict | None = None) -> dict:
        version = int(current["version"]) + 1 if current else 1
        record = {"version": version, "source": source, "saved_at": iso(self._clock()),
                  "saved_by": user, "toml_sha256": sha, "tree": doc, "pending_toml": pending}
        db.table("current").upsert(Document(record, doc_id=_DOC))
        history = db.table("history")
        history.insert({k: v for k, v in record.items() if k != "pending_toml"})
        old = sorted(history.all(), key=lambda r: r["version"])[:-KEEP]
        if old:
            history.remove(doc_ids=[r.doc_id for r in old])
        log.info("IVR tree version %d saved by %s (%s)", version, user, source)
        return record
