"""The menu tree from config: which digit leads where, and what happens by default."""

import pytest

from appliance.config.model import IvrConfig, IvrMenu
from appliance.ivr.menu import Action, MenuTree
from calllogic_fakes import office_ivr


@pytest.mark.parametrize("text, action", [
    ("queue:taxi", Action("queue", "taxi")),
    ("menu:info", Action("menu", "info")),
    ("hangup", Action("hangup", "")),
    ("play:closed", Action("play", "closed")),
    ("voicemail", Action("voicemail")),
    ("dispatcher:Ali", Action("dispatcher", "Ali")),
    ("self_order", Action("self_order")),
    ("order_status", Action("order_status")),
    ("language:ru", Action("language", "ru")),
    ("language:fa:main", Action("language", "fa", "main")),
])
def test_actions_parse_from_config_text(text, action):
    assert Action.parse(text) == action


@pytest.mark.parametrize("text", ["", "QUEUE:taxi", "dial:101"])
def test_unknown_action_is_refused(text):
    with pytest.raises(ValueError, match="unknown IVR action"):
        Action.parse(text)


@pytest.mark.parametrize("text, why", [("voicemail:1", "takes no argument"),
                                       ("queue:", "needs a name"), ("language:de", "fa, ru")])
def test_malformed_action_is_refused(text, why):
    with pytest.raises(ValueError, match=why):
        Action.parse(text)


def test_digits_choose_options_and_other_digits_are_not_options():
    tree = MenuTree(office_ivr())
    assert tree.choose("main", "1") == Action("queue", "taxi")
    assert tree.choose("main", "3") == Action("menu", "info")
    assert tree.choose("info", "0") == Action("menu", "main")
    assert tree.choose("main", "7") is None
    assert tree.choose("main", "#") is None


def test_fallback_is_the_menus_default():
    tree = MenuTree(office_ivr())
    assert tree.fallback("main") == Action("queue", "office")
    assert tree.fallback("info") == Action("hangup")


def test_the_shipped_default_menu_routes_to_the_default_queues():
    tree = MenuTree(IvrConfig())
    assert tree.greeting == "welcome" and tree.root == "main"
    assert [tree.choose("main", d) for d in "120"] == [
        Action("queue", "taxi"), Action("queue", "office"), Action("queue", "operator")]


def test_a_root_menu_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="root menu 'start'"):
        MenuTree(IvrConfig(root="start", menus=[IvrMenu(id="main", prompt="main_menu")]))
