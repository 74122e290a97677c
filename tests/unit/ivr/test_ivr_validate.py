"""The validator refuses trees that would trap or lose a caller, naming the node."""

import pytest

from appliance.ivr.document import TreeError, config_to_doc, doc_to_config
from appliance.ivr.validate import Known, check, validate
from calllogic_fakes import office_ivr

PROMPTS = {"welcome", "main_menu", "info_menu", "closed", "goodbye", "night_menu"}


def known(**kw) -> Known:
    values = dict(queues={"taxi", "office"}, dispatchers={"ali"}, language="en",
                  has_prompt=lambda key, lang: key in PROMPTS and (lang == "en" or
                                                                   key != "night_menu"))
    values.update(kw)
    return Known(**values)


def tree(**changes) -> dict:
    doc = config_to_doc(office_ivr())
    doc.update(changes)
    return doc


def menu(doc, menu_id) -> dict:
    return next(m for m in doc["menus"] if m["id"] == menu_id)


def first(doc, **kw):
    problems = validate(doc_to_config(doc), known(**kw))
    assert problems, "the tree was accepted"
    return problems[0].error, problems[0].node, problems[0].message


def test_the_office_tree_and_the_new_actions_are_accepted():
    doc = tree()
    menu(doc, "main")["options"].update({"4": "voicemail", "5": "dispatcher:ali",
                                         "6": "play:closed", "7": "self_order",
                                         "8": "order_status", "*": "language:en"})
    assert validate(doc_to_config(doc), known()) == []


def test_a_menu_nobody_can_reach_is_named():
    doc = tree()
    doc["menus"].append({"id": "orphan", "prompt": "main_menu", "options": {"1": "queue:taxi"},
                         "default": "hangup"})
    assert first(doc)[:2] == ("unreachable", "orphan")


def test_a_dead_end_is_named():
    doc = tree()
    menu(doc, "main")["options"]["5"] = "menu:stuck"
    doc["menus"].append({"id": "stuck", "prompt": "main_menu", "options": {"1": "menu:stuck"},
                         "default": "menu:stuck"})
    error, node, message = first(doc)
    assert (error, node) == ("dead_end", "stuck") and "stuck" in message


def test_a_loop_with_no_way_out_is_named():
    doc = tree()
    menu(doc, "main")["options"]["5"] = "menu:a"
    doc["menus"] += [{"id": "a", "prompt": "main_menu", "options": {"1": "menu:b"},
                      "default": "menu:b"},
                     {"id": "b", "prompt": "main_menu", "options": {"1": "menu:a"},
                      "default": "menu:a"}]
    error, node, message = first(doc)
    assert error == "loop" and node in ("a", "b") and "a → b" in message


def test_a_loop_with_a_way_out_is_fine():
    doc = tree()  # info -> main -> info, but main leads to queues
    assert validate(doc_to_config(doc), known()) == []


def test_a_missing_prompt_is_named_with_its_menu():
    doc = tree()
    menu(doc, "info")["prompt"] = "no_such_prompt"
    assert first(doc)[:2] == ("missing_prompt", "info")


def test_a_prompt_missing_in_a_language_the_caller_can_choose_is_refused():
    doc = tree()
    menu(doc, "main")["prompt"] = "night_menu"  # exists in English only
    assert validate(doc_to_config(doc), known()) == []
    menu(doc, "main")["options"]["7"] = "language:ru"
    error, node, message = first(doc)
    assert (error, node) == ("missing_prompt", "main") and "ru" in message


@pytest.mark.parametrize("option, error", [("queue:nope", "unknown_target"),
                                           ("dispatcher:bob", "unknown_target"),
                                           ("menu:nope", "unknown_target"),
                                           ("dial:1", "bad_value")])
def test_unknown_targets_and_actions_are_named(option, error):
    doc = tree()
    menu(doc, "info")["options"]["5"] = option
    assert first(doc)[:2] == (error, "info")


def test_self_service_actions_need_the_desk():
    doc = tree()
    menu(doc, "main")["options"]["7"] = "self_order"
    assert first(doc, self_service=False)[:2] == ("unknown_target", "main")


@pytest.mark.parametrize("hours", [
    {"weekly": [{"days": ["fri"], "from": "25:00", "to": "10:00"}]},
    {"weekly": [{"days": ["friday"], "from": "08:00", "to": "10:00"}]},
    {"holidays": ["1403-01-01x"]},
    {"closed_action": "queue:taxi"},
])
def test_bad_hours_are_refused_as_the_hours_node(hours):
    doc = tree(hours={"weekly": [], "holidays": [], "closed_action": "voicemail", **hours})
    assert first(doc)[:2] == ("bad_value", "hours")


def test_malformed_documents_name_the_node():
    doc = tree()
    menu(doc, "info")["retries"] = "two"
    with pytest.raises(TreeError) as info:
        doc_to_config(doc)
    assert info.value.first.node == "info"


def test_check_raises_with_every_problem():
    doc = tree(root="nowhere")
    with pytest.raises(TreeError) as info:
        check(doc_to_config(doc), known())
    assert info.value.first.node == "root"


def test_document_round_trip_keeps_the_contract_shape():
    doc = tree(hours={"weekly": [{"days": ["sat", "sun"], "from": "08:00", "to": "22:00"}],
                      "holidays": ["2026-03-20"], "closed_action": "hangup"}, night_mode=True)
    again = config_to_doc(doc_to_config(doc))
    assert again == doc
    assert list(again) == ["greeting", "root", "menus", "hours", "night_mode"]
