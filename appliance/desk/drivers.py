"""Drivers and their cars (name, phone, car, colour, plate). Owns ``drivers``."""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.desk.db import write
from appliance.desk.errors import BadInput, NotFound
from appliance.i18n import N_

FIELDS = ("name", "phone", "car", "colour", "plate")


class Drivers:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def add(self, name: str, phone: str = "", car: str = "", colour: str = "",
            plate: str = "") -> int:
        if not name.strip():
            raise BadInput(N_("a driver needs a name"))
        with write(self.conn):
            cur = self.conn.execute(
                "INSERT INTO drivers (name, phone, car, colour, plate) VALUES (?, ?, ?, ?, ?)",
                (name.strip(), phone.strip(), car.strip(), colour.strip(), plate.strip()))
        return int(cur.lastrowid)

    def update(self, driver_id: int, **fields: Any) -> None:
        self.get(driver_id)
        sets = {k: str(v).strip() for k, v in fields.items() if k in FIELDS}
        if "active" in fields:
            sets["active"] = int(bool(fields["active"]))
        if not sets:
            return
        with write(self.conn):
            self.conn.execute(f"UPDATE drivers SET {', '.join(f'{k} = ?' for k in sets)} "
                              f"WHERE id = ?", (*sets.values(), driver_id))

    def get(self, driver_id: int) -> dict[str, Any]:
        row = self.conn.execute("SELECT * FROM drivers WHERE id = ?", (driver_id,)).fetchone()
        if row is None:
            raise NotFound(N_("no driver #%(id)s"), id=driver_id)
        return {**dict(row), "active": bool(row["active"])}

    def list(self, active_only: bool = True) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM drivers" + (" WHERE active = 1" if active_only
                                 else "") + " ORDER BY name")
        return [{**dict(r), "active": bool(r["active"])} for r in rows]
