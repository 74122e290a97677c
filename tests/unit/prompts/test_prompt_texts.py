"""Default prompt texts: every language has every key, in its own script."""

import re

import pytest

from appliance.errors import ConfigError
from appliance.prompts.texts import LANGUAGES, PROMPT_KEYS, TEXTS, texts_for

SCRIPTS = {"fa": r"[\u0600-\u06FF]", "ru": r"[\u0400-\u04FF]", "en": r"[A-Za-z]"}
FOREIGN = {"fa": r"[A-Za-z\u0400-\u04FF]", "ru": r"[A-Za-z\u0600-\u06FF]",
           "en": r"[\u0400-\u04FF\u0600-\u06FF]"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_is_written_in_the_languages_own_script(language):
    texts = texts_for(language, "Office")
    assert set(PROMPT_KEYS) <= set(texts)
    for key in PROMPT_KEYS:
        text = texts[key] if key != "welcome" else texts[key].replace("Office", "")
        assert re.search(SCRIPTS[language], text), (language, key)
        assert not re.search(FOREIGN[language], text), (language, key, text)


@pytest.mark.parametrize("language,name", [("fa", "تاکسی آفتاب"), ("ru", "Такси Север"),
                                           ("en", "Sunrise Taxi")])
def test_welcome_names_the_office(language, name):
    welcome = texts_for(language, name)["welcome"]
    assert name in welcome and "{office}" not in welcome


@pytest.mark.parametrize("language", LANGUAGES)
def test_main_menu_offers_one_two_and_zero(language):
    digits = {"en": ("one", "two", "zero"), "ru": ("один", "два", "ноль"),
              "fa": ("یک", "دو", "صفر")}[language]
    menu = TEXTS[language]["main_menu"]
    for word in digits:
        assert word in menu


def test_overrides_replace_defaults_add_keys_and_tolerate_braces():
    texts = texts_for("en", "Sunrise Taxi", {"welcome": "Hi from {office} {not a field}",
                                             "night": "Night service at {office}."})
    assert texts["welcome"] == "Hi from Sunrise Taxi {not a field}"
    assert texts["night"] == "Night service at Sunrise Taxi."
    assert texts["goodbye"] == TEXTS["en"]["goodbye"]


def test_unknown_language_names_the_config_key():
    with pytest.raises(ConfigError) as info:
        texts_for("de", "Office")
    assert info.value.key == "office.language"
