"""Desk lookups at office scale: customer search over 100,000 customers (target p95 ≤ 50 ms)
and address autocomplete over 50,000 streets (target p95 ≤ 30 ms), both measured through
the web API (Flask test client: routing, auth, a fresh SQLite connection, JSON) and at
the store. The data sets are generated here (seeded, so runs compare)."""

from __future__ import annotations

import random
import time
from pathlib import Path

from bench.common import percentiles

FA = ["علی", "رضا", "محمد", "حسین", "زهرا", "مریم", "فاطمه", "کاظم", "یوسف", "نرگس", "سارا",
      "احمدی", "رضایی", "کریمی", "حسینی", "موسوی", "جعفری", "کاظمی", "رحیمی", "صادقی", "قاسمی"]
RU = ["Иван", "Мария", "Ольга", "Пётр", "Сергей", "Ёлкин", "Смирнов", "Попова", "Кузнецов",
      "Соколова", "Лебедев", "Новиков", "Фёдоров", "Морозова", "Волков", "Алексеев"]
LATIN = ["Ali", "Reza", "Sara", "John", "Anna", "Karim", "Nadia", "Omid", "Leila", "Tom"]
STREET_WORDS = ["خیابان", "کوچه", "میدان", "بلوار", "ولیعصر", "آزادی", "انقلاب", "ونک", "پاسداران",
                "شریعتی", "نیاوران", "جردن", "ستارخان", "تجریش", "فرمانیه", "улица", "проспект",
                "Тверская", "Ленина", "Садовая", "Ёлочная", "Мира", "Победы", "Street", "Avenue"]
CITIES = ["Tehran", "Karaj", "Москва", "Isfahan", "Shiraz"]


def _name(rng: random.Random) -> str:
    pool = rng.choice((FA, FA, RU, LATIN))
    return f"{rng.choice(pool)} {rng.choice(pool)}"


def _street(rng: random.Random, i: int) -> str:
    return f"{rng.choice(STREET_WORDS)} {rng.choice(STREET_WORDS)} {i % 997}"


def generate(db: Path, customers: int, streets: int, seed: int = 7) -> list[str]:
    """Fill the desk tables; returns the phone numbers (E.164) given out."""
    from appliance.desk.streets import Streets
    from appliance.desk.text import fold
    from appliance.store.db import open_db
    rng = random.Random(seed)
    conn = open_db(db)
    conn.execute("PRAGMA synchronous = NORMAL")  # only while generating
    phones: list[str] = []
    at = "2026-01-01T00:00:00.000000Z"
    conn.execute("BEGIN")
    for cid in range(1, customers + 1):
        name = _name(rng)
        phone = f"+98912{cid:07d}"
        phones.append(phone)
        address = _street(rng, cid)
        conn.execute("INSERT INTO customers (id, name, name_key, created_at, updated_at) "
                     "VALUES (?, ?, ?, ?, ?)", (cid, name, fold(name), at, at))
        digits = phone[1:]
        conn.execute("INSERT INTO customer_phones (customer_id, e164, rev, raw, added_at) "
                     "VALUES (?, ?, ?, ?, ?)", (cid, phone, digits[::-1], "0" + digits[2:], at))
        conn.execute("INSERT INTO customer_addresses (customer_id, text, city, key, count, "
                     "last_at) VALUES (?, ?, 'Tehran', ?, 1, ?)", (cid, address, fold(address), at))
        conn.execute("INSERT INTO customer_search (rowid, body) VALUES (?, ?)",
                     (cid, f"{fold(name)} {digits} {fold(address)}"))
    store = Streets(conn)
    for i in range(streets):
        store.add(CITIES[i % len(CITIES)], _street(rng, i))
    conn.execute("COMMIT")
    conn.close()
    return phones


def _customer_queries(rng: random.Random, phones: list[str], n: int) -> list[dict]:
    out = []
    for _ in range(n):
        kind = rng.randrange(4)
        phone = rng.choice(phones)
        if kind == 0:
            out.append({"q": rng.choice(rng.choice((FA, RU, LATIN)))[:rng.randint(2, 5)]})
        elif kind == 1:
            out.append({"number": "0" + phone[3:6] + " " + phone[6:9] + "-" + phone[9:]})
        elif kind == 2:
            out.append({"number": phone[-rng.randint(4, 7):]})
        else:
            out.append({"q": rng.choice(STREET_WORDS)[:4].replace("ی", "ي")})
    return out


def _street_queries(rng: random.Random, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        word = rng.choice(STREET_WORDS)
        typed = word[:rng.randint(2, len(word))].replace("ک", "ك").replace("ی", "ي")
        out.append({"city": rng.choice(CITIES), "q": typed, "limit": "10"})
    return out


def _time_api(client, headers, path: str, queries: list[dict]) -> dict:
    times = []
    for params in queries:
        started = time.perf_counter()
        response = client.get(path, query_string=params, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return percentiles(times)


def _time_store(db: Path, fn, queries: list[dict]) -> dict:
    from appliance.store.db import open_db
    conn = open_db(db)
    times = []
    try:
        for params in queries:
            started = time.perf_counter()
            fn(conn, params)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return percentiles(times)


def run(work: Path, customers: int = 100_000, streets: int = 50_000,
        queries: int = 400) -> dict:
    from appliance.auth import UserStore
    from appliance.config.model import Config, DeskConfig, OfficeConfig
    from appliance.desk.customers import Customers
    from appliance.desk.streets import Streets
    from appliance.store.db import db_path
    from web import create_app
    work.mkdir(parents=True, exist_ok=True)
    db = db_path(work)
    started = time.monotonic()
    phones = generate(db, customers, streets)
    generated_s = round(time.monotonic() - started, 1)
    rng = random.Random(11)
    cq, sq = _customer_queries(rng, phones, queries), _street_queries(rng, queries)
    app = create_app(Config(office=OfficeConfig(name="Bench", country="IR"),
                            desk=DeskConfig(city="Tehran")), work)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {UserStore(work).create_token('supervisor')}"}
    client.get("/api/customers", query_string={"q": "warm"}, headers=headers)  # first open
    return {
        "customers": customers, "streets": streets, "generate_s": generated_s,
        "db_mib": round(db.stat().st_size / 2**20, 1),
        "customer_search_api_ms": _time_api(client, headers, "/api/customers", cq),
        "street_autocomplete_api_ms": _time_api(client, headers, "/api/streets", sq),
        "customer_search_store_ms": _time_store(db, lambda c, p: Customers(c, "IR").search(
            number=p.get("number"), q=p.get("q"), limit=20), cq),
        "street_autocomplete_store_ms": _time_store(db, lambda c, p: Streets(c).match(
            p["city"], p["q"], 10), sq),
        "targets": {"customer_search_p95_ms": 50, "street_autocomplete_p95_ms": 30},
    }


if __name__ == "__main__":
    import json
    import tempfile
    print(json.dumps(run(Path(tempfile.mkdtemp(prefix="desk-bench-"))), indent=1))
