"""The desk's JSON API through the Flask test client over a real SQLite file."""

from __future__ import annotations

import pytest

from appliance.desk.states import TRANSITIONS, OrderState
from appliance.store.db import db_path, open_db

NUMBER = "+989121234567"


def _order(client, **fields):
    answer = client.post("/api/orders", json={"number": "0912 123 4567", "pickup": "Vanak",
                                              **fields})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _driver(client) -> int:
    answer = client.post("/api/drivers", json={"name": "Reza", "phone": "09350000000",
                                               "car": "Peugeot 405", "colour": "white",
                                               "plate": "12 B 345"})
    assert answer.status_code == 201
    return answer.get_json()["id"]


def test_an_order_for_an_unknown_number_creates_the_customer(client, desk_core):
    made = _order(client, destination="Azadi Square", price="120000")
    assert made["state"] == "new" and made["customer_id"]
    card = client.get(f"/api/customers/{made['customer_id']}").get_json()
    assert card["phones"] == [NUMBER]
    assert card["addresses"][0]["text"] == "Vanak" and card["addresses"][0]["count"] == 1
    assert card["orders"][0]["id"] == made["id"]
    assert card["alerts"] == [{"kind": "open_order", "order_id": made["id"], "state": "new"}]
    assert desk_core.changes[-1] == {"kind": "order", "id": made["id"], "state": "new",
                                     "previous": ""}
    listed = client.get("/api/orders?number=9121234567").get_json()
    assert [o["id"] for o in listed] == [made["id"]] and listed[0]["city"] == "Tehran"


def test_customers_contract_create_search_and_409(client):
    answer = client.post("/api/customers", json={"name": "Ali Rezaei", "phones":
                                                 ["0912-123-45-67", "021 4444 5555"],
                                                 "notes": "second floor", "flags": ["vip"]})
    assert answer.status_code == 201
    ali = answer.get_json()
    assert ali["phones"] == [NUMBER, "+982144445555"] and ali["flags"] == ["vip"]
    clash = client.post("/api/customers", json={"name": "X", "phones": ["+98 912 123 4567"]})
    assert clash.status_code == 409
    assert clash.get_json()["customer_id"] == ali["id"] and "Ali Rezaei" in \
        clash.get_json()["message"]
    found = client.get("/api/customers?number=۰۹۱۲۱۲۳۴۵۶۷").get_json()
    assert [c["id"] for c in found] == [ali["id"]]
    assert set(found[0]) >= {"id", "name", "phones", "notes", "flags", "addresses"}
    assert [c["id"] for c in client.get("/api/customers?q=rez").get_json()] == [ali["id"]]
    edited = client.patch(f"/api/customers/{ali['id']}", json={
        "flags": ["blacklist"], "blacklist_reason": "threatened a driver"})
    assert edited.status_code == 200
    assert edited.get_json()["alerts"][0] == {"kind": "blacklist",
                                              "reason": "threatened a driver"}


def test_merge_through_the_api(client):
    a = client.post("/api/customers", json={"name": "Ali", "phones": ["09121234567"]}).get_json()
    b = client.post("/api/customers", json={"name": "", "phones": ["09351112233"]}).get_json()
    _order(client, number="09351112233", pickup="Azadi")
    merged = client.post(f"/api/customers/{a['id']}/merge", json={"from": b["id"]})
    assert merged.status_code == 200
    card = merged.get_json()
    assert card["phones"] == [NUMBER, "+989351112233"]
    assert [o["pickup"] for o in card["orders"]] == ["Azadi"]
    assert client.post(f"/api/customers/{a['id']}/merge", json={"from": a["id"]}).status_code \
        == 400
    assert client.post(f"/api/customers/{a['id']}/merge", json={"from": 999}).status_code == 404
    made = client.post(f"/api/customers/{a['id']}/complaints", json={"text": "late again"})
    assert made.status_code == 201
    card = client.get(f"/api/customers/{a['id']}").get_json()
    assert [c["text"] for c in card["complaints"]] == ["late again"]
    assert card["phones_shown"] == ["0912 123 4567", "0935 111 2233"]
    assert client.post(f"/api/customers/{a['id']}/complaints", json={"text": " "}
                       ).status_code == 400


def _walk_to(client, state: OrderState, driver: int) -> int:
    extra = {"scheduled_for": "2099-01-01T10:00:00Z"} if state == OrderState.SCHEDULED else {}
    oid = _order(client, **extra)["id"]
    if state == OrderState.CANCELLED:
        client.post(f"/api/orders/{oid}/state", json={"state": "cancelled", "reason": "no car"})
        return oid
    path = [OrderState.ASSIGNED, OrderState.ARRIVING, OrderState.PICKED_UP, OrderState.DONE]
    for step in path[:path.index(state) + 1] if state in path else []:
        assert client.post(f"/api/orders/{oid}/state", json={
            "state": step, "driver": driver, "eta_min": 4}).status_code == 200
    return oid


@pytest.mark.parametrize("start", list(OrderState))
def test_every_transition_over_http(client, tmp_path, start):
    driver = _driver(client)
    for target in OrderState:
        oid = _walk_to(client, start, driver)
        before = client.get(f"/api/orders/{oid}").get_json()
        answer = client.post(f"/api/orders/{oid}/state", json={
            "state": target, "reason": "customer left", "driver": driver, "eta_min": 6})
        if (start, target) in TRANSITIONS:
            assert answer.status_code == 200, (start, target, answer.get_json())
            assert answer.get_json() == {"id": oid, "state": target}
            after = client.get(f"/api/orders/{oid}").get_json()
            assert after["history"][-1]["who"] == "anna"
            assert after["history"][-1]["to_state"] == target
        else:
            assert answer.status_code == 409, (start, target)
            assert answer.get_json()["error"] == "illegal_transition"
            assert client.get(f"/api/orders/{oid}").get_json() == before


def test_bad_order_input_is_a_clear_400(client):
    assert client.post("/api/orders", json={"number": "abc", "pickup": "x"}).status_code == 400
    assert client.post("/api/orders", json={"number": "0912"}).status_code == 400
    answer = client.post("/api/orders", json={"number": "09121234567", "pickup": "x",
                                              "kind": "boat"})
    assert answer.status_code == 400 and "boat" in answer.get_json()["message"]
    oid = _order(client)["id"]
    answer = client.post(f"/api/orders/{oid}/state", json={"state": "cancelled"})
    assert answer.status_code == 400 and client.get(f"/api/orders/{oid}").get_json()["state"] \
        == "new"


def test_the_card_lists_the_callers_last_calls_in_words(client, tmp_path):
    cid = client.post("/api/customers", json={"name": "Ali", "phones": ["09121234567"]}
                      ).get_json()["id"]
    conn = open_db(db_path(tmp_path))
    conn.execute("INSERT INTO calls (call_id, direction, line, caller, caller_raw, started_at, "
                 "disposition, dispatcher) VALUES ('c1', 'in', 'gsm1', ?, '0912', "
                 "'2026-03-01T08:00:00.000000Z', 'abandoned', NULL)", (NUMBER,))
    conn.close()
    [call] = client.get(f"/api/customers/{cid}").get_json()["calls"]
    assert (call["call_id"], call["disposition_label"], call["direction_label"]) == \
        ("c1", "Hung up waiting", "in")


def test_desk_shows_the_ringing_callers_card(client, desk_core):
    cid = client.post("/api/customers", json={"name": "Ali", "phones": ["09121234567"]}
                      ).get_json()["id"]
    assert client.get("/api/desk").get_json() == {"dispatcher": "anna", "state": "idle",
                                                  "call": None, "customer": None,
                                                  "colleague": None}
    desk_core.calls["anna"] = {"call_id": "c1", "caller": NUMBER, "line": "gsm1",
                               "queue": "taxi", "since": "2026-03-01T08:00:00Z",
                               "state": "ringing"}
    desk = client.get("/api/desk").get_json()
    assert desk["state"] == "ringing" and desk["call"]["call_id"] == "c1"
    assert desk["customer"]["id"] == cid and desk["customer"]["name"] == "Ali"
    desk_core.calls["anna"]["caller"] = "+989350000000"
    unknown = client.get("/api/desk").get_json()["customer"]
    assert unknown["new"] is True and unknown["phones"] == ["+989350000000"]


def test_a_colleague_s_call_is_said_and_no_customer_is_looked_up(client, desk_core):
    desk_core.colleagues["anna"] = {"call_id": "i1", "name": "Boris", "direction": "in",
                                    "state": "ringing"}
    desk = client.get("/api/desk").get_json()
    assert desk["state"] == "ringing" and desk["call"] is None and desk["customer"] is None
    assert desk["colleague"] == desk_core.colleagues["anna"]
    page = client.get("/desk").get_data(as_text=True)
    assert 'id="desk-colleague"' in page and "Call from colleague %(name)s" in page


def test_a_dispatcher_sees_only_their_own_desk(signed_in, desk_core):
    anna = signed_in("anna", "dispatcher")
    assert anna.get("/api/desk?dispatcher=Boris").status_code == 403
    # linked by the explicit field, whatever the user name
    bob = signed_in("bob", "dispatcher", dispatcher="Boris")
    assert bob.get("/api/desk").get_json()["dispatcher"] == "Boris"
    # by a case-insensitive name match when there is no link
    boris = signed_in("BORIS", "dispatcher")
    assert boris.get("/api/desk").get_json()["dispatcher"] == "Boris"
    sam = signed_in("sam", "supervisor")
    assert sam.get("/api/desk?dispatcher=Boris").get_json()["dispatcher"] == "Boris"
    assert sam.get("/api/desk?dispatcher=nobody").status_code == 404
    tech = signed_in("tina", "technician")
    assert tech.get("/api/customers").status_code == 403


def test_streets_import_and_autocomplete_history_first(signed_in, client):
    sam = signed_in("sam", "supervisor")
    csv = ("city,name\nTehran,میدان ونک\nTehran\nTehran,خیابان ولیعصر\n"
           "Tehran,ونک شمالی,street\n,nowhere\n")
    answer = sam.post("/api/streets/import", json={"csv": csv})
    report = answer.get_json()
    assert answer.status_code == 200 and report["added"] == 3
    assert [e["line"] for e in report["errors"]] == [3, 6]
    assert all(e["message"] for e in report["errors"])
    assert client.post("/api/streets/import", json={"csv": csv}).status_code == 403
    made = _order(client, pickup="ونک، کوچه سوم")
    found = client.get(f"/api/streets?city=tehran&q=ونك&customer={made['customer_id']}"
                       ).get_json()
    assert [f["source"] for f in found] == ["history", "streets", "streets"]
    assert [f["text"] for f in found] == ["ونک، کوچه سوم", "ونک شمالی", "میدان ونک"]
    assert client.get("/api/orders").get_json()[0]["in_street_list"] is False
    assert _order(client, pickup="ميدان ونك، پلاک ۳")["in_street_list"] is True


def test_the_desk_page_renders_for_a_dispatcher(client):
    page = client.get("/desk")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="order-form"' in html and "desk.js" in html and "Tehran" in html


def test_tables_live_in_the_one_database(client, tmp_path):
    _order(client)
    conn = open_db(db_path(tmp_path))
    assert conn.execute("SELECT count(*) FROM order_history").fetchone()[0] == 1
    conn.close()
