"""A dispatcher's card says what their phone does beyond the queue call: the customer
on hold, a call with a colleague's phone (web/phonecalls.py, through /api/status and
the live page's embedded status)."""

from __future__ import annotations

import json
import re

from web.phonecalls import with_phone_calls


def _people(status: dict) -> dict[str, dict]:
    return {d["name"]: d for d in with_phone_calls(status)}


def test_a_held_conversation_marks_its_dispatcher_only():
    people = _people({"dispatchers": [{"name": "anna", "state": "busy", "on_call": "c1"},
                                      {"name": "ben", "state": "busy", "on_call": "c2"},
                                      {"name": "cleo", "state": "available", "on_call": None}],
                      "held_calls": ["c1"]})
    assert [people[n].get("on_hold") for n in ("anna", "ben", "cleo")] == [True, None, None]
    assert people["anna"]["state"] == "busy" and people["anna"]["on_call"] == "c1"  # kept


def test_a_call_between_phones_is_on_both_cards_each_naming_the_other():
    status = {"dispatchers": [{"name": "anna", "state": "busy"}, {"name": "ben", "state": "ringing"},
                              {"name": "cleo", "state": "available"}],
              "internal_calls": [{"call_id": "i1", "from": "anna", "to": "ben", "state": "ringing"}]}
    people = _people(status)
    assert people["anna"]["colleague"] == {"call_id": "i1", "name": "ben", "direction": "out",
                                           "state": "ringing"}
    assert people["ben"]["colleague"] == {"call_id": "i1", "name": "anna", "direction": "in",
                                          "state": "ringing"}
    assert "colleague" not in people["cleo"]
    status["internal_calls"][0]["state"] = "talking"
    assert _people(status)["ben"]["colleague"]["state"] == "talking"
    # refused: anna hears "not available"; ben's phone is not (or no longer) ringing
    status["internal_calls"][0]["state"] = "refused"
    people = _people(status)
    assert people["anna"]["colleague"]["state"] == "refused" and "colleague" not in people["ben"]


def test_a_dispatcher_doing_neither_is_as_the_core_sent_it():
    anna = {"name": "anna", "state": "busy", "on_call": "c1"}
    assert with_phone_calls({"dispatchers": [anna]}) == [anna]  # an older core, too
    assert with_phone_calls({"dispatchers": [anna], "held_calls": ["c2"],
                             "internal_calls": []}) == [anna]


def test_the_status_and_the_live_page_carry_them_with_the_words(supervisor, core,
                                                                 control_server):
    core.status["dispatchers"] = [{"name": "anna", "state": "busy", "on_call": "c1"},
                                  {"name": "boris", "state": "busy", "on_call": "i7"}]
    core.status["held_calls"] = ["c1"]
    core.status["internal_calls"] = [{"call_id": "i7", "from": "anna", "to": "boris",
                                      "state": "talking"}]
    people = {d["name"]: d for d in supervisor.get("/api/status").json["dispatchers"]}
    assert people["anna"]["on_hold"] is True and "on_hold" not in people["boris"]
    assert people["boris"]["colleague"]["name"] == "anna"
    html = supervisor.get("/").get_data(as_text=True)
    settings = json.loads(re.search(r'<script id="live-settings" type="application/json">'
                                    r'(.*?)</script>', html, re.S).group(1))
    assert settings["status"]["dispatchers"][0]["colleague"]["name"] == "boris"
    assert settings["strings"]["on_hold"] == "Caller on hold"
    assert settings["strings"]["colleague_out_ringing"] == "Calling %(name)s"
    supervisor.get("/lang/fa?next=/")
    html = supervisor.get("/").get_data(as_text=True)
    fa = json.loads(re.search(r'<script id="live-settings" type="application/json">'
                              r'(.*?)</script>', html, re.S).group(1))["strings"]
    assert fa["colleague_in_ringing"] == "تماس از %(name)s"
    assert 'dir="rtl"' in html
