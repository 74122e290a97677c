"""Streets and places per city, imported from CSV, matched however people type.

Owns ``streets`` and ``street_search`` (FTS5 over the folded names). Lookups: the
folded text as a prefix of a name (an index range), then every word as a prefix of
a word of the name (FTS5), best first.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from appliance.desk.db import write
from appliance.desk.text import fold, fts_query
from appliance.i18n import N_

MAX_WORDS_KNOWN = 6  # "Valiasr St 12, 3rd floor": the street is in the first few words
HEADER = ("city", "name", "kind")


@dataclass
class ImportReport:
    added: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # {line, msgid, params}

    def to_json(self) -> dict[str, Any]:
        return {"added": self.added, "duplicates": self.duplicates, "errors": self.errors}


class Streets:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def add(self, city: str, name: str, kind: str = "") -> bool:
        """Add one street; False when the city already has it (however spelled)."""
        city_key, key = fold(city), fold(name)
        cur = self.conn.execute("INSERT OR IGNORE INTO streets (city, city_key, name, key, kind) "
                                "VALUES (?, ?, ?, ?, ?)",
                                (city.strip(), city_key, name.strip(), key, kind.strip()))
        if cur.rowcount != 1:
            return False
        self.conn.execute("INSERT INTO street_search (rowid, key, city_key) VALUES (?, ?, ?)",
                          (cur.lastrowid, key, city_key))
        return True

    def import_csv(self, data: bytes | str) -> ImportReport:
        """Rows ``city,name[,kind]`` (a header line is optional). Bad rows are reported by
        line number and skipped; the good ones are kept, all in one transaction."""
        report = ImportReport()
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                report.errors.append({"line": data[:exc.start].count(b"\n") + 1,
                                      "msgid": N_("not UTF-8 text"), "params": {}})
                return report
        with write(self.conn):
            for number, row in enumerate(csv.reader(io.StringIO(data)), start=1):
                self._import_row(number, row, report)
        return report

    def _import_row(self, number: int, row: list[str], report: ImportReport) -> None:
        if not row or all(not c.strip() for c in row):
            return  # blank lines are not errors
        if number == 1 and tuple(fold(c) for c in row[:3]) == HEADER[:len(row[:3])]:
            return
        if len(row) not in (2, 3):
            report.errors.append({"line": number, "params": {"n": len(row)},
                                  "msgid": N_("expected city,name[,kind]; found %(n)s columns")})
            return
        city, name = row[0].strip(), row[1].strip()
        if not fold(city) or not fold(name):
            report.errors.append({"line": number, "params": {},
                                  "msgid": N_("the city and the name must not be empty")})
            return
        if self.add(city, name, row[2] if len(row) == 3 else ""):
            report.added += 1
        else:
            report.duplicates += 1

    # ------------------------------------------------------------ lookups
    def match(self, city: str, q: str, limit: int = 10) -> list[dict[str, Any]]:
        key, city_key = fold(q), fold(city)
        if not key:
            return []
        limit = max(1, min(int(limit), 50))
        where, args = ("city_key = ? AND ", [city_key]) if city_key else ("", [])
        rows = self.conn.execute(
            f"SELECT id, city, name, kind FROM streets WHERE {where}key >= ? AND key < ? "
            f"ORDER BY length(key), key LIMIT ?", (*args, key, key + "\U0010ffff", limit)
        ).fetchall()
        seen = {r["id"] for r in rows}
        if len(rows) < limit and fts_query(q):
            extra = self.conn.execute(
                "SELECT s.id, s.city, s.name, s.kind FROM street_search f JOIN streets s "
                "ON s.id = f.rowid WHERE street_search MATCH ?"
                + (" AND f.city_key = ?" if city_key else "") + " ORDER BY rank LIMIT ?",
                (fts_query(q), *args, limit + len(seen))).fetchall()
            rows += [r for r in extra if r["id"] not in seen][:limit - len(rows)]
        return [{"text": r["name"], "city": r["city"], "kind": r["kind"], "source": "streets"}
                for r in rows]

    def known(self, city: str, text: str) -> bool:
        """Whether ``text`` starts with a street of ``city`` (the rest: house number...)."""
        words = fold(text).split(" ")[:MAX_WORDS_KNOWN]
        keys = [" ".join(words[:n]) for n in range(1, len(words) + 1) if words[0]]
        if not keys:
            return False
        where = "city_key = ? AND " if fold(city) else ""
        args = [fold(city)] if fold(city) else []
        row = self.conn.execute(f"SELECT 1 FROM streets WHERE {where}key IN "
                                f"({','.join('?' * len(keys))}) LIMIT 1", (*args, *keys)).fetchone()
        return row is not None

    def cities(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT min(city) FROM streets GROUP BY city_key ORDER BY 1")]


def history_matches(conn: sqlite3.Connection, customer_id: int, city: str, q: str,
                    limit: int) -> list[dict[str, Any]]:
    """The customer's own earlier addresses matching ``q`` (most used first)."""
    key = fold(q)
    rows = conn.execute(
        "SELECT text, city, count FROM customer_addresses WHERE customer_id = ? "
        "AND (? = '' OR instr(key, ?) > 0) ORDER BY count DESC, last_at DESC LIMIT ?",
        (customer_id, key, key, limit)).fetchall()
    return [{"text": r["text"], "city": r["city"], "count": r["count"], "source": "history"}
            for r in rows if not fold(city) or fold(r["city"]) == fold(city)]
