"""Customers: names, several phones (E.164 + raw), notes, flags, addresses, merging.

Owns ``customers``, ``customer_phones``, ``customer_addresses``, ``customer_search``
and ``complaints``. Every phone is one identity (``desk.numbers.normalise``).
"""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable

from appliance.desk.clock import Now, stamp, utcnow
from appliance.desk.db import write
from appliance.desk.errors import BadInput, NotFound, PhoneTaken
from appliance.desk.numbers import BadNumber, national, normalise
from appliance.desk.text import fold, fts_query
from appliance.i18n import N_

FLAGS = ("vip", "blacklist", "do_not_call")
_FLAG_COLUMNS = {"vip": "vip", "blacklist": "blacklisted", "do_not_call": "do_not_call"}
SEARCH_MAX = 200


def _digits(e164: str) -> str:
    return "".join(ch for ch in e164 if ch.isdigit())


class Customers:
    def __init__(self, conn: sqlite3.Connection, country: str, now: Now = utcnow):
        self.conn = conn
        self.country = country
        self._now = now

    # ------------------------------------------------------------ numbers
    def number(self, raw: str) -> str:
        try:
            return normalise(raw, self.country)
        except BadNumber:
            raise BadInput(N_("%(raw)s is not a phone number"), raw=raw) from None

    def find_by_number(self, raw: str) -> int | None:
        row = self.conn.execute("SELECT customer_id FROM customer_phones WHERE e164 = ?",
                                (self.number(raw),)).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------ writes
    def create(self, name: str = "", phones: Iterable[str] = (), notes: str = "",
               flags: Iterable[str] = (), blacklist_reason: str = "") -> int:
        numbers = [(self.number(p), p) for p in phones if str(p).strip()]
        with write(self.conn):
            for e164, _ in numbers:
                self._check_free(e164, None)
            at = stamp(self._now)
            cur = self.conn.execute(
                "INSERT INTO customers (name, name_key, notes, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)", (name.strip(), fold(name), notes, at, at))
            cid = int(cur.lastrowid)
            for e164, raw in numbers:
                self._insert_phone(cid, e164, raw, at)
            self._set_flags(cid, flags, blacklist_reason)
            self.reindex(cid)
        return cid

    def update(self, cid: int, *, name: str | None = None, notes: str | None = None,
               flags: Iterable[str] | None = None, blacklist_reason: str | None = None,
               phones: Iterable[str] | None = None) -> None:
        with write(self.conn):
            self._require(cid)
            at = stamp(self._now)
            if name is not None:
                self.conn.execute("UPDATE customers SET name = ?, name_key = ? WHERE id = ?",
                                  (name.strip(), fold(name), cid))
            if notes is not None:
                self.conn.execute("UPDATE customers SET notes = ? WHERE id = ?", (notes, cid))
            if flags is not None:
                self._set_flags(cid, flags, blacklist_reason or "")
            if phones is not None:
                self._replace_phones(cid, phones, at)
            self.conn.execute("UPDATE customers SET updated_at = ? WHERE id = ?", (at, cid))
            self.reindex(cid)

    def add_phone(self, cid: int, raw: str) -> str:
        e164 = self.number(raw)
        with write(self.conn):
            self._require(cid)
            if self._check_free(e164, cid):
                return e164  # already this customer's
            self._insert_phone(cid, e164, raw, stamp(self._now))
            self.reindex(cid)
        return e164

    def _replace_phones(self, cid: int, phones: Iterable[str], at: str) -> None:
        wanted = {self.number(p): p for p in phones if str(p).strip()}
        for e164 in wanted:
            self._check_free(e164, cid)
        self.conn.execute(f"DELETE FROM customer_phones WHERE customer_id = ? AND e164 NOT IN "
                          f"({','.join('?' * len(wanted))})", (cid, *wanted))
        have = {r[0] for r in self.conn.execute(
            "SELECT e164 FROM customer_phones WHERE customer_id = ?", (cid,))}
        for e164, raw in wanted.items():
            if e164 not in have:
                self._insert_phone(cid, e164, raw, at)

    def _check_free(self, e164: str, cid: int | None) -> bool:
        """True when ``e164`` is already ``cid``'s; raises when it is someone else's."""
        row = self.conn.execute(
            "SELECT c.id, c.name FROM customer_phones p JOIN customers c ON c.id = p.customer_id "
            "WHERE p.e164 = ?", (e164,)).fetchone()
        if row is None:
            return False
        if row[0] == cid:
            return True
        raise PhoneTaken(e164, row[0], row[1])

    def _insert_phone(self, cid: int, e164: str, raw: str, at: str) -> None:
        self.conn.execute("INSERT INTO customer_phones (customer_id, e164, rev, raw, added_at) "
                          "VALUES (?, ?, ?, ?, ?)", (cid, e164, _digits(e164)[::-1], raw, at))

    def _set_flags(self, cid: int, flags: Iterable[str], reason: str) -> None:
        flags = set(flags)
        unknown = flags - set(FLAGS)
        if unknown:
            raise BadInput(N_("unknown flag %(flag)s"), flag=sorted(unknown)[0])
        if "blacklist" in flags and not reason.strip():
            raise BadInput(N_("say why the customer is blacklisted"))
        values = {col: int(flag in flags) for flag, col in _FLAG_COLUMNS.items()}
        self.conn.execute(
            "UPDATE customers SET vip = :vip, blacklisted = :blacklisted, "
            "do_not_call = :do_not_call, blacklist_reason = :reason WHERE id = :id",
            {**values, "reason": reason.strip() if "blacklist" in flags else "", "id": cid})

    def note_address(self, cid: int, text: str, city: str) -> None:
        """Count one more pickup at ``text`` (called inside the order's transaction)."""
        key = fold(text)
        if not key:
            return
        at = stamp(self._now)
        self.conn.execute(
            "INSERT INTO customer_addresses (customer_id, text, city, key, count, last_at) "
            "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (customer_id, city, key) DO UPDATE SET "
            "count = count + 1, last_at = excluded.last_at, text = excluded.text",
            (cid, text.strip(), city.strip(), key, at))
        self.reindex(cid)

    def add_complaint(self, cid: int, text: str, who: str, order_id: int | None = None) -> int:
        if not text.strip():
            raise BadInput(N_("a complaint needs a text"))
        with write(self.conn):
            self._require(cid)
            cur = self.conn.execute(
                "INSERT INTO complaints (customer_id, order_id, text, opened_at, opened_by) "
                "VALUES (?, ?, ?, ?, ?)", (cid, order_id, text.strip(), stamp(self._now), who))
        return int(cur.lastrowid)

    def close_complaint(self, complaint_id: int) -> None:
        with write(self.conn):
            self.conn.execute("UPDATE complaints SET closed_at = ? WHERE id = ? AND closed_at "
                              "IS NULL", (stamp(self._now), complaint_id))

    # ------------------------------------------------------------ merge
    def merge(self, into: int, source: int) -> None:
        """Move ``source``'s phones, addresses, orders and complaints to ``into``; calls and
        messages follow through the phones (they are stored by number)."""
        if into == source:
            raise BadInput(N_("a customer cannot be merged into themselves"))
        with write(self.conn):
            target, old = self._require(into), self._require(source)
            c = self.conn
            c.execute("UPDATE customer_phones SET customer_id = ? WHERE customer_id = ?",
                      (into, source))
            for row in c.execute("SELECT text, city, key, count, last_at FROM customer_addresses "
                                 "WHERE customer_id = ?", (source,)).fetchall():
                c.execute("INSERT INTO customer_addresses (customer_id, text, city, key, count, "
                          "last_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id, city, key) "
                          "DO UPDATE SET count = count + excluded.count, "
                          "last_at = max(last_at, excluded.last_at)", (into, *row))
            c.execute("DELETE FROM customer_addresses WHERE customer_id = ?", (source,))
            c.execute("UPDATE orders SET customer_id = ? WHERE customer_id = ?", (into, source))
            c.execute("UPDATE complaints SET customer_id = ? WHERE customer_id = ?", (into, source))
            notes = "\n".join(n for n in (target["notes"], old["notes"]) if n)
            c.execute("UPDATE customers SET notes = ?, name = CASE WHEN name = '' THEN ? ELSE "
                      "name END, vip = max(vip, ?), do_not_call = max(do_not_call, ?), "
                      "updated_at = ? WHERE id = ?",
                      (notes, old["name"], old["vip"], old["do_not_call"], stamp(self._now), into))
            if old["blacklisted"] and not target["blacklisted"]:
                c.execute("UPDATE customers SET blacklisted = 1, blacklist_reason = ? WHERE id = ?",
                          (old["blacklist_reason"], into))
            c.execute("UPDATE customers SET merged_into = ? WHERE id = ?", (into, source))
            c.execute("DELETE FROM customer_search WHERE rowid = ?", (source,))
            self.reindex(into)

    # ------------------------------------------------------------ reads
    def _require(self, cid: int) -> sqlite3.Row:
        row = self.conn.execute("SELECT * FROM customers WHERE id = ? AND merged_into IS NULL",
                                (cid,)).fetchone()
        if row is None:
            raise NotFound(N_("no customer #%(id)s"), id=cid)
        return row

    def reindex(self, cid: int) -> None:
        row = self.conn.execute("SELECT name_key FROM customers WHERE id = ?", (cid,)).fetchone()
        phones = [r[0] for r in self.conn.execute(
            "SELECT e164 FROM customer_phones WHERE customer_id = ?", (cid,))]
        addresses = [r[0] for r in self.conn.execute(
            "SELECT key FROM customer_addresses WHERE customer_id = ?", (cid,))]
        body = " ".join([row[0] if row else ""] + [_digits(p) for p in phones] + addresses)
        self.conn.execute("DELETE FROM customer_search WHERE rowid = ?", (cid,))
        self.conn.execute("INSERT INTO customer_search (rowid, body) VALUES (?, ?)", (cid, body))

    def get(self, cid: int) -> dict[str, Any]:
        row = self.conn.execute("SELECT * FROM customers WHERE id = ?", (cid,)).fetchone()
        if row is None:
            raise NotFound(N_("no customer #%(id)s"), id=cid)
        if row["merged_into"] is not None:
            return self.get(row["merged_into"])
        return self._summary(row)

    def _summary(self, row: sqlite3.Row) -> dict[str, Any]:
        cid = row["id"]
        phones = self.conn.execute("SELECT e164, raw FROM customer_phones WHERE customer_id = ? "
                                   "ORDER BY id", (cid,)).fetchall()
        addresses = self.conn.execute(
            "SELECT text, city, count, last_at FROM customer_addresses WHERE customer_id = ? "
            "ORDER BY count DESC, last_at DESC LIMIT 10", (cid,)).fetchall()
        flags = [f for f, col in _FLAG_COLUMNS.items() if row[col]]
        return {"id": cid, "name": row["name"], "phones": [p["e164"] for p in phones],
                "phones_raw": [p["raw"] for p in phones],
                "phones_shown": [national(p["e164"], self.country) for p in phones],
                "notes": row["notes"],
                "flags": flags, "blacklist_reason": row["blacklist_reason"],
                "addresses": [dict(a) for a in addresses]}

    def search(self, number: str | None = None, q: str | None = None,
               limit: int = 20) -> list[dict[str, Any]]:
        """By a number (exact identity, else the digits it ends with) and/or by words of
        the name, phones or addresses (each word a prefix)."""
        limit = max(1, min(int(limit), SEARCH_MAX))
        ids: list[int] | None = None
        if number:
            ids = self._ids_by_number(number, limit)
        if q and fts_query(q):
            found = [r[0] for r in self.conn.execute(
                # newest first: rowid order lets LIMIT stop early (bm25 would score
                # every match of a two-letter prefix)
                "SELECT rowid FROM customer_search WHERE customer_search MATCH ? "
                "ORDER BY rowid DESC LIMIT ?",
                (fts_query(q), limit if ids is None else SEARCH_MAX))]
            ids = found if ids is None else [i for i in ids if i in set(found)]
        if ids is None:
            ids = [r[0] for r in self.conn.execute(
                "SELECT id FROM customers WHERE merged_into IS NULL ORDER BY updated_at DESC "
                "LIMIT ?", (limit,))]
        rows = [self.conn.execute("SELECT * FROM customers WHERE id = ? AND merged_into IS NULL",
                                  (i,)).fetchone() for i in ids[:limit]]
        return [self._summary(r) for r in rows if r is not None]

    def _ids_by_number(self, number: str, limit: int) -> list[int]:
        try:
            e164 = normalise(number, self.country)
        except BadNumber:
            return []
        exact = self.conn.execute("SELECT customer_id FROM customer_phones WHERE e164 = ?",
                                  (e164,)).fetchone()
        if exact:
            return [exact[0]]
        typed = _digits(fold(number))
        if number.strip().startswith(("+", "00")) or len(typed) < 3:
            return []  # a full number nobody has, or too few digits to mean anything
        rev = typed.lstrip("0")[::-1]  # the digits it ends with (no trunk prefix)
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT customer_id FROM customer_phones WHERE rev >= ? AND rev < ? "
            "LIMIT ?", (rev, rev + "\x7f", limit))]
