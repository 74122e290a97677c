"""The desk's tables, one migration step (appended to ``appliance.store.db.SCHEMA``).

Owners (docs/architecture.md): customers, customer_phones, customer_addresses,
customer_search, complaints -> desk/customers.py; orders, order_history -> desk/orders.py;
drivers -> desk/drivers.py; streets, street_search -> desk/streets.py.
``*_key`` columns hold ``desk.text.fold`` of the text beside them.
"""

from __future__ import annotations

MIGRATION: tuple[str, ...] = (
    """CREATE TABLE customers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL DEFAULT '',
        name_key TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        vip INTEGER NOT NULL DEFAULT 0,
        blacklisted INTEGER NOT NULL DEFAULT 0,
        blacklist_reason TEXT NOT NULL DEFAULT '',
        do_not_call INTEGER NOT NULL DEFAULT 0,
        merged_into INTEGER REFERENCES customers(id),  -- set when merged away
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX customers_name_key ON customers(name_key)",
    """CREATE TABLE customer_phones (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        e164 TEXT NOT NULL UNIQUE,
        rev TEXT NOT NULL,                  -- digits reversed: "ends with" is a prefix
        raw TEXT NOT NULL,
        added_at TEXT NOT NULL
    )""",
    "CREATE INDEX customer_phones_customer ON customer_phones(customer_id)",
    "CREATE INDEX customer_phones_rev ON customer_phones(rev)",
    """CREATE TABLE customer_addresses (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        text TEXT NOT NULL,
        city TEXT NOT NULL DEFAULT '',
        key TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        last_at TEXT NOT NULL,
        UNIQUE (customer_id, city, key)
    )""",
    # one row per customer: folded name, phones and addresses, for q= search
    "CREATE VIRTUAL TABLE customer_search USING fts5(body, tokenize='unicode61')",
    """CREATE TABLE complaints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        order_id INTEGER,
        text TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        opened_by TEXT NOT NULL DEFAULT '',
        closed_at TEXT
    )""",
    "CREATE INDEX complaints_customer ON complaints(customer_id)",
    """CREATE TABLE drivers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '',
        car TEXT NOT NULL DEFAULT '',
        colour TEXT NOT NULL DEFAULT '',
        plate TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1
    )""",
    """CREATE TABLE orders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,                 -- ride | visit
        state TEXT NOT NULL,                -- see desk/orders.py OrderState
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        number TEXT NOT NULL,               -- E.164 of the number it was taken for
        pickup TEXT NOT NULL,               -- ride pickup, or the visit's address
        city TEXT NOT NULL DEFAULT '',
        destination TEXT NOT NULL DEFAULT '',
        in_street_list INTEGER NOT NULL DEFAULT 0,
        scheduled_for TEXT,                 -- UTC; rides later, visits: the window start
        window_end TEXT,                    -- visits: end of the time window (UTC)
        car_class TEXT NOT NULL DEFAULT '',
        price REAL,
        comment TEXT NOT NULL DEFAULT '',
        items TEXT NOT NULL DEFAULT '',
        amount REAL,
        instructions TEXT NOT NULL DEFAULT '',
        driver_id INTEGER REFERENCES drivers(id),
        eta_min INTEGER,
        eta_at TEXT,                        -- UTC: when the car should be there
        cancel_reason TEXT NOT NULL DEFAULT '',
        call_id TEXT NOT NULL DEFAULT '',
        inform TEXT NOT NULL DEFAULT '',    -- sms | call | ring | none | '' = office default
        inform_status TEXT NOT NULL DEFAULT '',  -- sent | delivered | answered | failed ...
        inform_detail TEXT NOT NULL DEFAULT '',
        reminded_at TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    )""",
    "CREATE INDEX orders_state ON orders(state)",
    "CREATE INDEX orders_customer ON orders(customer_id, created_at)",
    "CREATE INDEX orders_created ON orders(created_at)",
    "CREATE INDEX orders_number ON orders(number)",
    """CREATE TABLE order_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        order_id INTEGER NOT NULL REFERENCES orders(id),
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX order_history_order ON order_history(order_id)",
    """CREATE TABLE streets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        city TEXT NOT NULL,
        city_key TEXT NOT NULL,
        name TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT '',      -- street | square | place ...
        UNIQUE (city_key, key)
    )""",
    "CREATE VIRTUAL TABLE street_search USING fts5(key, city_key UNINDEXED, "
    "tokenize='unicode61')",
)
