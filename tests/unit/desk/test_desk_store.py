"""Customers, numbers, orders, streets over a real SQLite file."""

from __future__ import annotations

import sqlite3

import pytest

from appliance.desk.errors import BadInput, IllegalTransition, PhoneTaken
from appliance.desk.numbers import BadNumber, normalise
from appliance.desk.states import TRANSITIONS, OrderState
from appliance.desk.text import fold
from appliance.store.db import SCHEMA, open_db

MOBILE = "+989121234567"


@pytest.mark.parametrize("typed", [
    "09121234567", "9121234567", "+989121234567", "989121234567", "00989121234567",
    "+98 912 123 4567", "0912-123-45-67", "(0912) 123 45 67", "0912.123.4567",
    "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧", "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷", " 0912 123 4567 ",
    "\u200e+98 912 123 4567\u200e",
])
def test_every_form_of_a_mobile_number_is_one_identity(typed):
    assert normalise(typed, "IR") == MOBILE


@pytest.mark.parametrize("typed,country,e164", [
    ("021 4444 5555", "IR", "+982144445555"),
    ("0021 4444 5555", "IR", "+982144445555"),  # "00" then no valid country code
    ("8 (916) 123-45-67", "RU", "+79161234567"),
    ("+7 916 123 45 67", "IR", "+79161234567"),
    ("0079161234567", "IR", "+79161234567"),
])
def test_landlines_and_foreign_numbers(typed, country, e164):
    assert normalise(typed, country) == e164


@pytest.mark.parametrize("bad", ["", "abc", "12", "0912-abc"])
def test_non_numbers_are_refused(bad):
    with pytest.raises(BadNumber):
        normalise(bad, "IR")


@pytest.mark.parametrize("a,b", [
    ("خيابان ولي‌عصر", "خیابان ولی عصر"),  # Arabic ي, ZWNJ
    ("كوچه  ۱۲", "کوچه 12"),  # Arabic ك, Persian digits, double space
    ("میدان ٧ تیر", "میدان 7 تیر"),  # Arabic-Indic digit
    ("Ёлочная ул.", "елочная ул"),
    ("  VANAK   Square ", "vanak square"),
    ("خیابانِ آزادی", "خیابان آزادی"),  # a kasra (diacritic)
])
def test_text_folds_to_one_key(a, b):
    assert fold(a) == fold(b)


def test_a_phone_of_another_customer_is_refused_naming_them(customers):
    first = customers.create("Ali Rezaei", ["0912 123 4567"])
    with pytest.raises(PhoneTaken) as err:
        customers.create("Someone", ["+98 912 123 4567", "09350000000"])
    assert err.value.customer_id == first and "Ali Rezaei" in str(err.value)
    assert customers.find_by_number("09350000000") is None  # nothing of the refused one kept


def test_raw_form_is_kept_and_search_finds_by_name_phone_and_address(customers):
    cid = customers.create("Мария Ёлкина", ["+7 (916) 123-45-67"], notes="calls early")
    customers.note_address(cid, "خيابان ولي‌عصر ۱۲", "Tehran")
    card = customers.get(cid)
    assert card["phones"] == ["+79161234567"] and card["phones_raw"] == ["+7 (916) 123-45-67"]
    assert [c["id"] for c in customers.search(q="елкина")] == [cid]
    assert [c["id"] for c in customers.search(q="ولیعصر")] == []  # a word, not a substring
    assert [c["id"] for c in customers.search(q="خیابان ولی")] == [cid]
    assert [c["id"] for c in customers.search(number="+7 916 123 45 67")] == [cid]
    assert [c["id"] for c in customers.search(number="4567")] == [cid]  # the last digits


def test_blacklist_needs_a_reason(customers):
    with pytest.raises(BadInput):
        customers.create("X", ["09121111111"], flags=["blacklist"])
    cid = customers.create("X", ["09121111111"], flags=["blacklist", "vip"],
                           blacklist_reason="never paid")
    assert customers.get(cid)["flags"] == ["vip", "blacklist"]


def test_merge_moves_phones_addresses_orders_and_complaints(customers, orders):
    keep = customers.create("Ali", ["09121234567"], notes="VIP driver friend")
    dup = customers.create("", ["09350001122"], notes="second phone")
    orders.create({"number": "09121234567", "pickup": "Vanak Square"}, "anna")
    orders.create({"number": "09350001122", "pickup": "vanak  square"}, "anna")
    moved = orders.create({"number": "09350001122", "pickup": "Azadi St"}, "anna")
    customers.add_complaint(dup, "driver was rude", "anna", moved["id"])
    customers.merge(keep, dup)
    card = customers.get(keep)
    assert card["phones"] == ["+989121234567", "+989350001122"]
    assert {a["text"].lower(): a["count"] for a in card["addresses"]}["vanak square"] == 2
    assert card["notes"] == "VIP driver friend\nsecond phone"
    assert {o["customer_id"] for o in orders.list()} == {keep}
    assert customers.get(dup)["id"] == keep  # the merged-away id leads to the survivor
    assert [c["id"] for c in customers.search(number="09350001122")] == [keep]
    count = customers.conn.execute("SELECT count(*) FROM complaints WHERE customer_id = ?",
                                   (keep,)).fetchone()[0]
    assert count == 1


def _order_in(orders, drivers, state: OrderState) -> int:
    """A fresh order walked along the legal path to ``state``."""
    oid = orders.create({"number": "09121234567", "pickup": "Vanak",
                         **({"scheduled_for": "2026-03-01T12:00:00Z"}
                            if state == OrderState.SCHEDULED else {})}, "anna")["id"]
    driver = drivers.add("Reza", "0912", "Peugeot 405", "white", "12 ب 345")
    path = [OrderState.ASSIGNED, OrderState.ARRIVING, OrderState.PICKED_UP, OrderState.DONE]
    if state == OrderState.CANCELLED:
        orders.transition(oid, "cancelled", "anna", reason="changed mind")
        return oid
    for step in path[:path.index(state) + 1] if state in path else []:
        orders.transition(oid, step, "anna", driver=driver, eta_min=5)
    return oid


ALL_PAIRS = [(a, b) for a in OrderState for b in OrderState]


@pytest.mark.parametrize("start,target", ALL_PAIRS)
def test_every_transition_is_legal_or_refused_without_change(orders, drivers, conn, start,
                                                              target):
    oid = _order_in(orders, drivers, start)
    assert orders.get(oid)["state"] == start
    before = conn.execute("SELECT count(*) FROM order_history").fetchone()[0]
    driver = drivers.add("Karim", "0935", "Pride", "silver", "44 ج 111")
    if (start, target) in TRANSITIONS:
        result = orders.transition(oid, target, "boris", reason="customer called off",
                                   driver=driver, eta_min=7)
        assert result["state"] == target and orders.get(oid)["state"] == target
        last = orders.history(oid)[-1]
        assert (last["who"], last["from_state"], last["to_state"]) == ("boris", start, target)
    else:
        snapshot = dict(orders.get(oid))
        with pytest.raises(IllegalTransition):
            orders.transition(oid, target, "boris", reason="x", driver=driver, eta_min=7)
        assert orders.get(oid) == snapshot
        assert conn.execute("SELECT count(*) FROM order_history").fetchone()[0] == before


def test_cancel_needs_a_reason_and_assign_a_driver(orders, drivers):
    oid = orders.create({"number": "09121234567", "pickup": "Vanak"}, "anna")["id"]
    with pytest.raises(BadInput):
        orders.transition(oid, "cancelled", "anna")
    with pytest.raises(BadInput):
        orders.transition(oid, "assigned", "anna")
    assert orders.get(oid)["state"] == "new"


def test_a_scheduled_order_becomes_new_at_its_lead_time(orders, clock):
    oid = orders.create({"number": "09121234567", "pickup": "Vanak",
                         "scheduled_for": "2026-03-01T09:00:00Z"}, "anna")["id"]
    assert orders.get(oid)["state"] == "scheduled"
    clock.advance(minutes=44)
    assert orders.release_due() == []
    clock.advance(minutes=1)  # 08:45 = 09:00 minus 15 min lead
    assert orders.release_due() == [oid]
    assert orders.get(oid)["state"] == "new"
    assert orders.history(oid)[-1]["who"] == "box"


def test_a_visit_keeps_its_fields(orders):
    made = orders.create({"number": "09121234567", "kind": "visit", "pickup": "Azadi St 4",
                          "scheduled_for": "2026-03-03T06:30:00Z",
                          "window_end": "2026-03-03T09:30:00Z", "items": "filter, 2 m pipe",
                          "amount": "450000", "instructions": "ring twice"}, "anna")
    got = orders.get(made["id"])
    assert (got["kind"], got["items"], got["amount"], got["instructions"]) == \
        ("visit", "filter, 2 m pipe", 450000.0, "ring twice")
    assert got["window_end"] == "2026-03-03T09:30:00.000000Z"


def test_csv_import_reports_bad_rows_by_line_and_keeps_the_good_ones(streets):
    csv = ("city,name,kind\n"
           "Tehran,خيابان ولي‌عصر,street\n"
           "Tehran\n"                      # line 3: one column
           "Tehran,,street\n"              # line 4: empty name
           "\n"
           "Tehran,خیابان ولی عصر,street\n"  # line 6: the same street, other spelling
           "Tehran,Vanak Square,square,extra\n"  # line 7: four columns
           "Tehran,Vanak Square,square\n")
    report = streets.import_csv(csv.encode("utf-8-sig"))
    assert report.added == 2 and report.duplicates == 1
    assert [e["line"] for e in report.errors] == [3, 4, 7]
    assert [m["text"] for m in streets.match("tehran", "ولی")] == ["خيابان ولي‌عصر"]


def test_not_utf8_is_reported(streets):
    report = streets.import_csv("Tehran,Vanak\nTehran,Caf\xe9\n".encode("latin-1"))
    assert report.added == 0 and report.errors[0]["line"] == 2


@pytest.mark.parametrize("typed", [
    "ولیعصر", "ولي", "خيابان ولي", "خیابان ولی‌عصر", "  خیابان   ولی ", "عصر",
])
def test_street_spellings_find_the_street(streets, typed):
    streets.add("Tehran", "خیابان ولیعصر")
    streets.add("Tehran", "خیابان ولی عصر")
    streets.add("Tehran", "میدان ونک")
    streets.add("Karaj", "خیابان ولیعصر")
    found = [m["text"] for m in streets.match("تهران" if False else "Tehran", typed)]
    assert found and all("ول" in f or "عصر" in f for f in found)
    assert "میدان ونک" not in found


@pytest.mark.parametrize("typed,want", [
    ("ёлочная", "Ёлочная улица"), ("ЕЛОЧ", "Ёлочная улица"), ("улица", "Ёлочная улица"),
    ("tverskaya", "Tverskaya 7"), ("Tverskaya  7", "Tverskaya 7"), ("۷", "Tverskaya 7"),
])
def test_russian_and_latin_spellings(streets, typed, want):
    streets.add("Moscow", "Ёлочная улица")
    streets.add("Moscow", "Tverskaya 7")
    assert want in [m["text"] for m in streets.match("moscow", typed)]


def test_known_addresses_allow_a_house_number(streets):
    streets.add("Tehran", "میدان ونک")
    assert streets.known("Tehran", "ميدان ونك، پلاک ۱۲")
    assert not streets.known("Karaj", "میدان ونک")
    assert not streets.known("Tehran", "ونک")


def test_migrates_from_version_1_keeping_calls(tmp_path):
    path = tmp_path / "old.sqlite3"
    open_db(path, schema=SCHEMA[:1]).close()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO calls (call_id, direction, line, caller, caller_raw, started_at) "
                "VALUES ('c1', 'in', 'gsm1', '+989121234567', '0912', '2026-01-01T00:00:00Z')")
    raw.commit()
    raw.close()
    conn = open_db(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(SCHEMA)
    assert conn.execute("SELECT caller FROM calls").fetchone()[0] == "+989121234567"
    assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
    conn.close()
