"""A refused IVR tree is explained in the supervisor's own language: PUT /api/ivr's 400
carries the validator's message translated (Persian or Russian, as the user chose, on
an English office), ``node`` names the bad node and ``error`` stays the stable code;
the core refusing a saved tree is reported in that language too. Through the Flask
app, a real control socket and users.json."""

from __future__ import annotations

import pytest

from appliance.control import ControlServer, socket_path
from appliance.i18n import N_
from appliance.ivr.document import TreeError, problem
from appliance.ivr.store import IvrStore

PASSWORD = "correct horse"


@pytest.fixture
def reader(make_app, users, login):
    """reader(lang) -> a client of a supervisor whose own language is ``lang``."""
    app = make_app("en")  # the office is English: only the user's choice can translate

    def make(lang: str):
        users.add_user(f"sup_{lang}", PASSWORD, "supervisor", language=lang)
        client = app.test_client()
        assert login(client, f"sup_{lang}").status_code == 302
        return client
    return make


def editable(client) -> dict:
    doc = client.get("/api/ivr").get_json()
    return {k: doc[k] for k in ("greeting", "root", "menus", "hours", "night_mode")}


def menu(menu_id: str, default: str, **options: str) -> dict:
    return {"id": menu_id, "prompt": "main_menu", "options": options, "default": default}


def _dead_end(d):
    d["menus"][0].update(options={}, default="menu:main")


def _unreachable(d):
    d["menus"].append(menu("lost", "hangup"))


def _no_prompt(d):
    d["menus"][0]["prompt"] = ""


def _loop(d):
    d["menus"] = [menu("main", "menu:sub"), menu("sub", "menu:main")]


def _bad_holiday(d):
    d["hours"]["holidays"] = ["2026-13-40"]


def _bad_jalali(d):
    d["hours"]["holidays_jalali"] = ["۱۴۰۵/۱۳/۴۰"]


def _bad_time(d):
    d["hours"]["weekly"] = [{"days": ["sat"], "from": "8am", "to": "17:00"}]


# change, error, node, {lang: what the message says}
CASES = [
    (_dead_end, "dead_end", "main",
     {"fa": "منوی \u2068main\u2069 بن‌بست است", "ru": "меню main — тупик"}),
    (_unreachable, "unreachable", "lost",
     {"fa": "هیچ تماس‌گیرنده‌ای از منوی نخست به منوی \u2068lost\u2069 نمی‌رسد",
      "ru": "до меню lost нельзя добраться из первого меню"}),
    (_no_prompt, "missing_prompt", "main",
     {"fa": "منوی \u2068main\u2069 پیام صوتی ندارد", "ru": "у меню main нет подсказки"}),
    (_loop, "loop", "main",
     {"fa": "منوی \u2068main\u2069 در چرخه‌ای بی‌راه خروج است",
      "ru": "меню main в петле без выхода (main → sub)"}),
    (_bad_holiday, "bad_value", "hours",
     {"fa": "\u20682026-13-40\u2069 تاریخ معتبری نیست", "ru": "2026-13-40 — это не дата"}),
    (_bad_jalali, "bad_value", "hours",
     {"fa": "تاریخ معتبری نیست", "ru": "۱۴۰۵/۱۳/۴۰ — это не дата"}),
    (_bad_time, "bad_value", "hours",
     {"fa": "\u20688am\u2069 زمان معتبری نیست", "ru": "8am — это не время ЧЧ:ММ"}),
]


@pytest.mark.parametrize("lang", ["fa", "ru"])
@pytest.mark.parametrize("change, error, node, says", CASES,
                         ids=[c[0].__name__.strip("_") for c in CASES])
def test_a_refused_tree_is_explained_in_the_users_language(reader, data_dir, lang, change,
                                                           error, node, says):
    client = reader(lang)
    doc = editable(client)
    change(doc)
    response = client.put("/api/ivr", json=doc)
    assert response.status_code == 400
    body = response.get_json()
    assert (body["error"], body["node"]) == (error, node)
    assert says[lang] in body["message"], body["message"]
    assert _in_script(body["message"], lang), body["message"]
    first = body["problems"][0]
    assert first["message"] == body["message"] and first["node"] == node
    assert IvrStore(data_dir).current() is None  # nothing saved


def _in_script(text: str, lang: str) -> bool:
    """Written in the language's own letters (not an English sentence with names in it)."""
    letters = [c for c in text if c.isalpha() and not c.isascii()]
    if lang == "fa":
        return any("\u0600" <= c <= "\u06ff" for c in letters)
    return any("\u0400" <= c <= "\u04ff" for c in letters)


def test_the_same_refusal_stays_english_for_an_english_user(reader):
    client = reader("en")
    doc = editable(client)
    _loop(doc)
    body = client.put("/api/ivr", json=doc).get_json()
    assert body["message"] == "menu main is in a loop with no way out (main → sub)"


@pytest.mark.parametrize("lang, says", [("fa", "پیام صوتی \u2068main_menu\u2069 به زبان"),
                                        ("ru", "main_menu")])
def test_the_cores_refusal_of_a_saved_tree_is_told_in_the_users_language(reader, data_dir,
                                                                         lang, says):
    """The web validated the tree, but the core (its own prompts) refused it: the reply
    says so in the user's words and names the node, instead of "the core is down"."""
    def refuse(args):
        raise TreeError([problem("missing_prompt", "main",
                                 N_("prompt %(prompt)s does not exist in %(lang)s"),
                                 prompt="main_menu", lang="ru")])
    server = ControlServer(socket_path(data_dir), lambda: {}, {"ivr_reload": refuse})
    server.start()
    try:
        client = reader(lang)
        body = client.put("/api/ivr", json=editable(client)).get_json()
    finally:
        server.stop()
    assert body["ok"] is True and body["applied"] is False  # saved, not in force
    assert body["node"] == "main" and says in body["message"]
    assert _in_script(body["message"], lang), body["message"]
    assert body["reason"] == "prompt main_menu does not exist in ru"  # English, for logs
