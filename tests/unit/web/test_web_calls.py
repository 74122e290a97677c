"""The call log: JSON API, page and CSV export read the real SQLite file."""

from __future__ import annotations

import csv
import io

import pytest

from appliance.store.db import db_path, open_db
from appliance.store.queries import CALL_FIELDS, search_calls
from web.security import spreadsheet_cell

CALLS = [
    # Tehran is UTC+03:30: 21:00Z on the 26th is 00:30 on the 27th in the office.
    {"caller": "+989121234567", "caller_raw": "09121234567",
     "started_at": "2026-11-26T21:00:00.000000Z",
     "answered_at": "2026-11-26T21:00:20.500000Z", "ended_at": "2026-11-26T21:03:00.000000Z",
     "ivr_path": "main:1", "queue": "taxi", "wait_s": 12.5, "dispatcher": "anna",
     "disposition": "answered", "hangup_cause": "caller"},
    {"caller": "+989351112233", "caller_raw": "+989351112233", "started_at": "2026-11-26T19:00:00Z",
     "ivr_path": "main:2", "queue": "office", "wait_s": 40.0, "disposition": "abandoned",
     "hangup_cause": "caller"},
    {"caller": "anonymous", "caller_raw": "anonymous", "line": "trunk",
     "started_at": "2026-11-25T08:15:00.250000Z", "disposition": "rejected",
     "hangup_cause": "486 Busy Here"},
    {"caller": "+989121234567", "caller_raw": "+989121234567",
     "started_at": "2026-11-27T06:00:00.000001Z",
     "queue": "taxi", "dispatcher": "boris", "disposition": None},
]


@pytest.fixture
def seeded(seed_calls):
    seed_calls(CALLS)


def _starts(records):
    return [r["started_at"] for r in records]


def test_api_calls_newest_first_with_exactly_the_contract_fields(supervisor, seeded):
    records = supervisor.get("/api/calls").json
    assert _starts(records) == ["2026-11-27T06:00:00.000001Z", "2026-11-26T21:00:00.000000Z",
                                "2026-11-26T19:00:00Z", "2026-11-25T08:15:00.250000Z"]
    for record in records:
        assert tuple(record) == CALL_FIELDS
    first_answered = records[1]
    assert first_answered["wait_s"] == 12.5 and first_answered["dispatcher"] == "anna"
    assert records[0]["disposition"] is None  # still in progress


@pytest.mark.parametrize("query, expected", [
    ("number=0912 123 4567", ["2026-11-27T06", "2026-11-26T21"]),     # local format
    ("number=%2B98 912 123 4567", ["2026-11-27T06", "2026-11-26T21"]),  # E.164 with spaces
    ("number=۰۹۳۵۱۱۱۲۲۳۳", ["2026-11-26T19"]),                        # Persian digits
    ("number=anonymous", ["2026-11-25T08"]),                           # raw caller ID
    ("number=2233", ["2026-11-26T19"]),                                # a fragment
    ("dispatcher=anna", ["2026-11-26T21"]),
    ("disposition=abandoned", ["2026-11-26T19"]),
    ("since=2026-11-27", ["2026-11-27T06", "2026-11-26T21"]),          # office days
    ("until=2026-11-26", ["2026-11-26T19", "2026-11-25T08"]),
    ("since=2026-11-26T19:00:00Z&until=2026-11-26T21:00:00Z", ["2026-11-26T21", "2026-11-26T19"]),
    ("since=1405/09/05&until=1405/09/05", ["2026-11-26T19"]),          # a Jalali day
    ("limit=1", ["2026-11-27T06"]),
    ("limit=2&offset=2", ["2026-11-26T19", "2026-11-25T08"]),
])
def test_api_calls_filters(supervisor, seeded, query, expected):
    records = supervisor.get(f"/api/calls?{query}").json
    assert [s[:13] for s in _starts(records)] == expected


@pytest.mark.parametrize("query, param", [
    ("since=yesterday", "since"), ("until=2026-13-01", "until"), ("limit=0", "limit"),
    ("limit=5000", "limit"), ("limit=ten", "limit"), ("disposition=lost", "disposition"),
])
def test_api_calls_rejects_bad_filters(supervisor, seeded, query, param):
    response = supervisor.get(f"/api/calls?{query}")
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert response.json["message"].startswith(param)


def test_csv_export_equals_the_json_records(supervisor, seeded):
    for query in ("", "number=09121234567", "since=2026-11-26&disposition=answered"):
        records = supervisor.get(f"/api/calls?{query}").json
        response = supervisor.get(f"/calls.csv?{query}")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
        assert tuple(rows[0]) == CALL_FIELDS if rows else True
        # as text; "+98…" and other cells a spreadsheet would run get an apostrophe
        as_text = [{k: "" if v is None else str(spreadsheet_cell(v)) for k, v in r.items()}
                   for r in records]
        assert rows == as_text, query


def test_csv_defuses_spreadsheet_formulas(supervisor, seed_calls):
    seed_calls([{"caller": "=HYPERLINK(\"http://x\")", "started_at": "2026-11-26T10:00:00Z"},
                {"caller": "@SUM(A1)", "started_at": "2026-11-26T10:01:00Z"},
                {"caller": "-2+3", "started_at": "2026-11-26T10:02:00Z"},
                {"caller": "+98912", "callee": "+cmd|' /C calc'!A0",
                 "started_at": "2026-11-26T10:03:00Z"}])
    rows = list(csv.DictReader(io.StringIO(
        supervisor.get("/calls.csv").data.decode("utf-8-sig"))))
    cells = {r["caller"] for r in rows} | {r["callee"] for r in rows}
    assert {"'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'-2+3", "'+98912",
            "'+cmd|' /C calc'!A0"} <= cells
    assert not [c for c in cells if c and c[0] in "=+-@"]


def test_calls_page_lists_calls_in_office_time(supervisor, seeded):
    html = supervisor.get("/calls").get_data(as_text=True)
    assert html.count("<tr data-id=") == 4
    assert "2026-11-27 00:30:00" in html  # 21:00Z shown in Asia/Tehran
    assert "+989121234567" in html and "Answered" in html and "Hung up waiting" in html
    filtered = supervisor.get("/calls?number=09351112233").get_data(as_text=True)
    assert filtered.count("<tr data-id=") == 1
    assert supervisor.get("/calls?number=00000").get_data(as_text=True).count("<tr data-id=") == 0


def test_calls_page_pages_through_older_calls(supervisor, seeded):
    html = supervisor.get("/calls?limit=3").get_data(as_text=True)
    assert html.count("<tr data-id=") == 3
    assert 'href="/calls?limit=3&amp;offset=3"' in html
    older = supervisor.get("/calls?limit=3&offset=3").get_data(as_text=True)
    assert older.count("<tr data-id=") == 1
    assert "offset=6" not in older and 'offset=0"' in older


def test_calls_page_bad_filter_is_explained(supervisor, seeded):
    response = supervisor.get("/calls?since=someday")
    assert response.status_code == 400
    assert "since" in response.get_data(as_text=True)


def test_persian_page_is_rtl_with_jalali_dates_and_persian_digits(make_app, users, login,
                                                                 password, seeded):
    users.add_user("anna", password, "dispatcher")
    client = make_app("fa").test_client()
    login(client, "anna")
    html = client.get("/calls").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in html
    assert "۱۴۰۵/۰۹/۰۶ ۰۰:۳۰:۰۰" in html  # 2026-11-27 00:30 Tehran = 6 Azar 1405
    assert "۰:۱۳" in html  # 12.5 s waiting, Persian digits
    assert "گزارش تماس‌ها" in html
    client.get("/lang/ru?next=/calls")  # a per-user switch
    russian = client.get("/calls").get_data(as_text=True)
    assert '<html lang="ru" dir="ltr">' in russian and "27.11.2026 00:30:00" in russian


def test_search_calls_bounds_include_their_second_whatever_the_stored_precision(data_dir,
                                                                              seed_calls):
    seed_calls([{"started_at": "2026-11-26T10:00:00Z"},
                {"started_at": "2026-11-26T10:00:00.999999Z"},
                {"started_at": "2026-11-26T10:00:01.000000Z"}])
    conn = open_db(db_path(data_dir), readonly=True)
    try:
        exact = search_calls(conn, since="2026-11-26T10:00:00Z", until="2026-11-26T10:00:00Z")
        later = search_calls(conn, since="2026-11-26T10:00:01Z")
    finally:
        conn.close()
    assert len(exact) == 2 and len(later) == 1
