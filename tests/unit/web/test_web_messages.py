"""SMS and USSD as the core's MessageStore wrote them, read by the page and the API;
the send form hands the message to the core and shows clearly when it is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from appliance.store.db import db_path
from appliance.store.messages import MessageStore

FIELDS = ["id", "line", "direction", "number", "text", "at", "status"]


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 26, 20, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


@pytest.fixture
def store(data_dir):
    """The core's own MessageStore on the box's SQLite file, with a few messages."""
    store = MessageStore(db_path(data_dir), clock=Clock())
    store.add_incoming("gsm1", "+989121234567", "سلام، یک تاکسی به ونک")
    store.add_incoming("gsm2", "+989351112233", "Left my umbrella in the ", part=1, parts=2, ref=9)
    store.add_incoming("gsm2", "+989351112233", "taxi. Can you check?", part=2, parts=2, ref=9)
    sent = store.add_outgoing("gsm1", "+989121234567", "Your taxi is on its way.")
    store.set_status(sent, "delivered")
    store.add_ussd("gsm1", "*140*11#", "Balance 10,000 Rial")
    store.add_ussd("gsm1", "*140*11#", "Balance 9,500 Rial")
    store.add_ussd("gsm2", "*555#", "Credit 3 GB")
    yield store
    store.close()


@pytest.fixture
def dispatcher(signed_in):
    """A dispatcher signed in with a session (the page's forms)."""
    return signed_in("dana", "dispatcher")


@pytest.fixture
def api(token_client):
    """get(url, **query) with a dispatcher's API token."""
    client, headers = token_client("dispatcher")
    return lambda url, **query: client.get(url, query_string=query, headers=headers)


def test_api_messages_are_the_stores_messages_newest_first(api, store):
    messages = api("/api/messages").json
    assert messages == store.list_messages()
    assert [list(m) for m in messages] == [FIELDS] * 3
    newest = messages[0]
    assert (newest["direction"], newest["status"], newest["text"]) == \
        ("out", "delivered", "Your taxi is on its way.")
    (umbrella,) = [m for m in messages if m["line"] == "gsm2"]  # two parts, one message
    assert umbrella["text"] == "Left my umbrella in the taxi. Can you check?"
    assert umbrella["status"] == "received"


def test_api_messages_filter_by_number_as_people_type_it(api, store):
    for typed in ("0912 123 4567", "+989121234567", "۰۹۱۲۱۲۳۴۵۶۷", "1234567"):
        found = api("/api/messages", number=typed).json
        assert [m["number"] for m in found] == ["+989121234567"] * 2, typed
    assert api("/api/messages", number="0912 999 0000").json == []


def test_api_messages_limit(api, store):
    assert len(api("/api/messages", limit=1).json) == 1
    for bad in ("0", "1001", "ten"):
        response = api("/api/messages", limit=bad)
        assert response.status_code == 400 and "limit" in response.json["message"]


def test_api_ussd_is_the_last_reply_per_line(api, store):
    replies = api("/api/ussd").json
    assert replies == store.last_ussd()
    assert [(r["line"], r["text"]) for r in replies] == [("gsm1", "Balance 9,500 Rial"),
                                                          ("gsm2", "Credit 3 GB")]
    assert list(replies[0]) == ["line", "request", "text", "at"]


def test_before_the_core_stored_anything_there_is_simply_nothing(api):
    assert api("/api/messages").json == []
    assert api("/api/ussd").json == []
    page = api("/messages")
    assert page.status_code == 200
    assert "No messages." in page.get_data(as_text=True)


def test_page_lists_messages_and_ussd(dispatcher, store, core, control_server):
    core.status["lines"].append({"name": "gsm9", "kind": "gsm", "state": "up"})
    html = dispatcher.get("/messages?number=09351112233").get_data(as_text=True)
    assert "Left my umbrella in the taxi. Can you check?" in html
    assert "Your taxi is on its way." not in html  # filtered to one number
    assert "Balance 9,500 Rial" in html and "Credit 3 GB" in html
    # lines to send from: the configured one and one the core reports
    assert '<option value="gsm1"' in html and '<option value="gsm9"' in html


def test_sending_hands_the_sms_to_the_core(dispatcher, core, control_server, csrf):
    token = csrf(dispatcher, "/messages")
    response = dispatcher.post("/messages", data={"csrf": token, "line": "gsm1",
                                                  "number": "0912 123 4567",
                                                  "text": "Your driver is here."})
    assert response.status_code == 302
    assert response.headers["Location"] == "/messages?number=%2B989121234567"
    assert core.actions == [("send_sms", {"line": "gsm1", "number": "+989121234567",
                                          "text": "Your driver is here."})]
    page = dispatcher.get(response.headers["Location"]).get_data(as_text=True)
    assert "handed to gsm1 for sending" in page


def test_a_refused_sms_says_why_and_keeps_the_text(dispatcher, core, control_server, csrf):
    core.refuse_sms = "gsm1: no network (registration denied)"
    form = {"csrf": csrf(dispatcher, "/messages"), "line": "gsm1", "number": "2000",
            "text": "Balance please"}
    response = dispatcher.post("/messages", data=form)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="send-refused"' in html and "no network (registration denied)" in html
    assert ">Balance please</textarea>" in html
    assert core.actions == [("send_sms", {"line": "gsm1", "number": "2000",
                                          "text": "Balance please"})]
    control_server.stop()
    down = dispatcher.post("/messages", data=form)
    assert down.status_code == 503
    assert "The call system is not running" in down.get_data(as_text=True)


def test_bad_send_forms_are_refused_before_the_core(dispatcher, core, control_server, csrf):
    token = csrf(dispatcher, "/messages")
    for field, value, message in [("number", "call me", "That is not a phone number."),
                                  ("text", "   ", "Write the text of the message."),
                                  ("text", "x" * 1001, "The text is too long"),
                                  ("line", "gsm7", "Choose a GSM line.")]:
        form = {"csrf": token, "line": "gsm1", "number": "09121234567", "text": "hi"}
        form[field] = value
        response = dispatcher.post("/messages", data=form)
        assert response.status_code == 400, field
        assert message in response.get_data(as_text=True)
    assert core.actions == []


def test_send_form_needs_its_csrf_token(dispatcher, core, control_server):
    response = dispatcher.post("/messages", data={"line": "gsm1", "number": "09121234567",
                                                  "text": "hi"})
    assert response.status_code == 400
    assert core.actions == []


def test_persian_page_shows_persian_digits_and_jalali_dates(signed_in, store):
    client = signed_in("dana", "dispatcher")
    client.get("/lang/fa")
    html = client.get("/messages").get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert "۰۹۱۲ ۱۲۳ ۴۵۶۷" in html  # as the office writes it, Persian digits
    assert "۱۴۰۵/۰۹/۰۵ ۲۳:۳۰:۳۰" in html  # 2026-11-26 20:00:30 UTC, 5 Azar 1405 in Tehran
    assert "ارسال پیامک" in html
