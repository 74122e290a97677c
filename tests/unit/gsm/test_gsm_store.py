"""The SMS/USSD store on a real SQLite file."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from appliance.store.messages import MessageStore


class Clock:
    def __init__(self):
        self.now = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store(tmp_path):
    s = MessageStore(tmp_path / "callbox.sqlite3", clock=Clock())
    yield s
    s.close()


def test_multipart_appears_once_reassembled_in_order_whatever_the_arrival(store):
    parts = {1: "Здравствуйте, ", 2: "нужно такси ", 3: "к восьми."}
    results = [store.add_incoming("gsm1", "+79161234567", parts[n], n, 3, ref=200)
               for n in (3, 1, 2)]
    assert [complete for _, complete, _ in results] == [False, False, True]
    (msg,) = store.list_messages()
    assert msg["text"] == "Здравствуйте, нужно такси к восьми."
    assert msg["status"] == "received" and msg["direction"] == "in"
    assert msg["at"].endswith("Z")


def test_same_reference_from_two_senders_stays_apart(store):
    store.add_incoming("gsm1", "+79160000001", "a", 1, 2, ref=5)
    store.add_incoming("gsm1", "+79160000002", "b", 1, 2, ref=5)
    assert sorted(m["text"] for m in store.list_messages()) == ["a", "b"]


def test_a_duplicated_part_is_not_stored_twice(store):
    store.add_incoming("gsm1", "+98912", "one ", 1, 2, ref=9)
    store.add_incoming("gsm1", "+98912", "one ", 1, 2, ref=9)  # re-read after a power cut
    mid, complete, text = store.add_incoming("gsm1", "+98912", "two", 2, 2, ref=9)
    assert complete and text == "one two"


def test_newest_first_and_filter_by_number(store):
    for i in range(5):
        store.add_incoming("gsm1", f"+9891200000{i % 2}", f"m{i}")
    assert [m["text"] for m in store.list_messages(limit=3)] == ["m4", "m3", "m2"]
    assert [m["text"] for m in store.list_messages(number="+98912000001")] == ["m3", "m1"]


def test_outgoing_multipart_delivered_only_when_every_part_is(store):
    mid = store.add_outgoing("gsm1", "+79160000000", "long text", parts=2, ref=11)
    store.part_sent(mid, 1, "long ", mr=40)
    store.part_sent(mid, 2, "text", mr=41)
    store.set_status(mid, "sent")
    assert store.record_delivery("gsm1", 40, delivered=True) == mid
    assert store.get_message(mid)["status"] == "sent"
    store.record_delivery("gsm1", 41, delivered=True)
    assert store.get_message(mid)["status"] == "delivered"


def test_failed_report_marks_the_message_failed(store):
    mid = store.add_outgoing("gsm1", "+79160000000", "hi")
    store.part_sent(mid, 1, "hi", mr=3)
    store.record_delivery("gsm1", 3, delivered=False)
    assert store.get_message(mid)["status"] == "failed"
    assert store.record_delivery("gsm1", 99, delivered=True) is None  # unknown MR


def test_last_ussd_per_line(store):
    store.add_ussd("gsm1", "*100#", "old")
    store.add_ussd("gsm2", "*102#", "other")
    store.add_ussd("gsm1", "*100#", "Баланс 5")
    assert [(u["line"], u["text"]) for u in store.last_ussd()] == [("gsm1", "Баланс 5"),
                                                                   ("gsm2", "other")]


def test_tables_survive_reopen_and_live_beside_the_call_log(tmp_path):
    path = tmp_path / "callbox.sqlite3"
    MessageStore(path).add_incoming("gsm1", "+1", "kept")
    again = MessageStore(path)
    assert again.list_messages()[0]["text"] == "kept"
    names = {r[0] for r in sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"messages", "message_parts", "ussd", "calls"} <= names
