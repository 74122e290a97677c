"""The core's way into the desk's tables: a fresh connection per job (any thread)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from appliance.desk.clock import Now, utcnow
from appliance.desk.orders import Orders
from appliance.store.db import open_db


class DeskService:
    def __init__(self, db_path: Path | str, country: str, *, city: str = "",
                 lead_min: int = 15, now: Now = utcnow):
        self.db_path = Path(db_path)
        self.country = country
        self.city = city
        self.lead_min = lead_min
        self.now = now

    @contextmanager
    def orders(self) -> Iterator[Orders]:
        conn = open_db(self.db_path, check_same_thread=False)
        try:
            yield Orders(conn, self.country, city=self.city, lead_min=self.lead_min,
                         now=self.now)
        finally:
            conn.close()
