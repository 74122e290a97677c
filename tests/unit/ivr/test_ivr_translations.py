"""Every message the IVR gives a supervisor is a catalogue msgid with a Persian and a
Russian translation: the editor's refusals (parse and validation), the Jalali holiday
check, the alarm when the stored tree cannot be used and the night switch's error.

The refusals are produced by real bad trees, so a check that builds its text with an
f-string (not in the catalogue) fails here by name; the package's marked msgids are
checked against the merged catalogues the web uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from appliance import events as ev
from appliance.config.model import Config, OfficeConfig, QueueConfig
from appliance.errors import CallboxError
from appliance.i18n import Catalogues
from appliance.i18n.extract import extract
from appliance.ivr.document import TreeError, config_to_doc, doc_to_config
from appliance.ivr.night import NightSwitch
from appliance.ivr.service import IvrService
from appliance.ivr.store import IvrStore
from appliance.ivr.validate import Known, validate
from calllogic_fakes import office_ivr
from web.ivr.tree import merge_jalali

REPO = Path(__file__).resolve().parents[3]
IVR_ROOTS = [REPO / "appliance" / "ivr", REPO / "web" / "ivr"]
PROMPTS = {"welcome", "main_menu", "info_menu", "closed", "goodbye"}


@pytest.fixture(scope="module")
def catalogues() -> Catalogues:
    return Catalogues()


@pytest.fixture(scope="module")
def marked() -> set[str]:
    return set(extract(IVR_ROOTS))


def base() -> dict:
    return config_to_doc(office_ivr())


def changed(**top) -> dict:
    return {**base(), **top}


def first_menu(**fields) -> dict:
    doc = base()
    doc["menus"][0].update(fields)
    return doc


def hours(**fields) -> dict:
    doc = base()
    doc["hours"] = {**doc["hours"], **fields}
    return doc


def lone(**fields) -> dict:
    return changed(root="main", menus=[{"id": "main", "prompt": "main_menu", "options": {},
                                        "default": "hangup", **fields}])


# One bad document per refusal the editor can give (parse, then meaning).
BAD = {
    "not an object": [],
    "no menus": changed(menus=[]),
    "night not bool": changed(night_mode="yes"),
    "greeting not text": changed(greeting=5),
    "menu not object": changed(menus=["main"]),
    "options not a map": first_menu(options=["queue:taxi"]),
    "retries not whole": first_menu(retries=1.5),
    "timeout not number": first_menu(timeout_s="5"),
    "hours not object": changed(hours=[]),
    "weekly not list": hours(weekly={}),
    "holidays not list": hours(holidays="2026-03-20"),
    "days not list": hours(weekly=[{"days": "sat", "from": "08:00", "to": "17:00"}]),
    "bad menu id": first_menu(id="main menu"),
    "two menus one id": changed(menus=[*base()["menus"], base()["menus"][0]]),
    "no prompt": first_menu(prompt=""),
    "timeout too long": first_menu(timeout_s=90),
    "retries too many": first_menu(retries=11),
    "not a phone key": first_menu(options={"x": "hangup"}),
    "not an action": first_menu(options={"1": "dance"}),
    "no such queue": first_menu(options={"1": "queue:ghost"}),
    "no such dispatcher": first_menu(options={"1": "dispatcher:ghost"}),
    "no such menu": first_menu(options={"1": "menu:ghost"}),
    "language to no menu": first_menu(options={"1": "language:ru:ghost"}),
    "no self-service": first_menu(options={"1": "self_order"}),
    "no first menu": changed(root="ghost"),
    "not a day": hours(weekly=[{"days": ["xyz"], "from": "08:00", "to": "17:00"}]),
    "no days": hours(weekly=[{"days": [], "from": "08:00", "to": "17:00"}]),
    "not a time": hours(weekly=[{"days": ["sat"], "from": "8am", "to": "17:00"}]),
    "starts where it ends": hours(weekly=[{"days": ["sat"], "from": "08:00", "to": "08:00"}]),
    "not a date": hours(holidays=["2026-13-40"]),
    "not a jalali date": hours(holidays_jalali=["1405/13/40"]),
    "closed goes nowhere": hours(closed_action="queue:taxi"),
    "unreachable": changed(menus=[*base()["menus"], {"id": "lost", "prompt": "main_menu",
                                                     "default": "hangup"}]),
    "dead end": lone(default="menu:main"),
    "loop": changed(root="main", menus=[
        {"id": "main", "prompt": "main_menu", "default": "menu:sub"},
        {"id": "sub", "prompt": "main_menu", "default": "menu:main"}]),
    "prompt missing": first_menu(prompt="nope"),
}


def refusals(doc) -> list:
    known = Known(queues={"taxi", "office", "operator"}, dispatchers={"ali"}, language="en",
                  has_prompt=lambda key, lang: key in PROMPTS, self_service=False)
    try:
        return validate(doc_to_config(merge_jalali(doc) if isinstance(doc, dict) else doc),
                        known)
    except TreeError as exc:
        return exc.problems


@pytest.mark.parametrize("name", list(BAD))
def test_every_refusal_is_a_marked_msgid_translated_into_persian_and_russian(
        name, catalogues, marked):
    problems = refusals(BAD[name])
    assert problems, f"{name}: the tree was accepted"
    for p in problems:
        assert p.msgid in marked, f"{name}: {p.msgid!r} is not an N_() msgid of the IVR"
        assert p.msgid % (p.params or {}) == p.message  # the params fit the msgid
        for lang in ("fa", "ru"):
            shown = catalogues.translator(lang).message(p.msgid, p.params)
            assert shown != p.message, f"{name}: no {lang} translation for {p.msgid!r}"


def test_the_bad_trees_reach_every_refusal_the_editor_has(marked):
    """So the test above covers a refusal added later (or says it needs a bad tree)."""
    produced = {p.msgid for doc in BAD.values() for p in refusals(doc)}
    sources = ["appliance/ivr/document.py", "appliance/ivr/validate.py", "web/ivr/tree.py"]
    found = extract(REPO / s for s in sources)
    assert set(found) - produced == set()


def test_every_msgid_of_the_ivr_has_a_persian_and_a_russian_translation(catalogues, marked):
    assert "menu %(menu)s is a dead end: no key and no default leads anywhere else" in marked
    gaps = [f"{lang}: {msgid!r}" for lang in ("fa", "ru") for msgid in sorted(marked)
            if catalogues.translator(lang).raw(msgid) == msgid]
    assert not gaps, "\n".join(gaps)


class Prompts:
    def has(self, key: str, lang: str) -> bool:
        return key in PROMPTS

    def reload(self, languages) -> None:
        pass


def service(tmp_path, events: list) -> IvrService:
    config = Config(office=OfficeConfig(name="Test Taxi", language="en", timezone="Asia/Tehran"),
                    queue=[QueueConfig(name=n) for n in ("taxi", "office", "operator")],
                    ivr=office_ivr())
    return IvrService(config, tmp_path, Prompts(), events.append,
                      NightSwitch(MockFactory(), None))


def test_an_unusable_stored_tree_is_an_alarm_supervisors_read_in_their_language(tmp_path,
                                                                                catalogues):
    bad = first_menu(options={"1": "queue:ghost"})
    IvrStore(tmp_path).save(bad, "sam")  # saved on the web, then the queue was removed
    events: list = []
    ivr = service(tmp_path, events)
    ivr.start()
    alarm = next(e for e in events if isinstance(e, ev.AlarmRaised))
    assert alarm.source == "ivr" and "menu main: there is no queue ghost" in alarm.message
    fa = catalogues.translator("fa").message(alarm.msgid or alarm.message, alarm.params)
    ru = catalogues.translator("ru").message(alarm.msgid or alarm.message, alarm.params)
    assert "منوی صوتی ذخیره‌شده قابل استفاده نیست" in fa and "صفی به نام" in fa
    assert "сохранённое голосовое меню нельзя использовать" in ru and "нет очереди ghost" in ru

    IvrStore(tmp_path).save(base(), "sam")  # a good tree saved: the alarm is over
    ivr.reload()
    assert isinstance(events[-1], ev.AlarmCleared) and events[-1].source == "ivr"


def test_a_tree_refused_in_the_core_keeps_its_msgid_and_node_for_the_web():
    problems = refusals(lone(default="menu:main"))
    exc = TreeError(problems)
    assert exc.msgid == "menu %(menu)s is a dead end: no key and no default leads anywhere else"
    assert exc.params == {"menu": "main", "node": "main"}
    assert str(exc) == problems[0].message


def test_a_night_switch_pin_in_use_is_a_translated_error(catalogues):
    factory = MockFactory()
    first = NightSwitch(factory, 6, bounce_s=None)
    try:
        with pytest.raises(CallboxError) as caught:
            NightSwitch(factory, 6, bounce_s=None)
    finally:
        first.close()
    exc = caught.value
    assert exc.params["pin"] == 6 and "[ivr] night_switch" in str(exc)
    assert "کلید حالت شب" in catalogues.translator("fa").message(exc.msgid, exc.params)
    assert "ночного режима" in catalogues.translator("ru").message(exc.msgid, exc.params)
