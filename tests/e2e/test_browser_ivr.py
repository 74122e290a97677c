"""A real Chromium edits the IVR: adds a key, saves (the core's IVR service puts it in
force), is refused a tree with an unreachable menu (the menu is outlined), switches night
mode, speaks a new prompt, listens to it and saves it."""

from __future__ import annotations

import threading

import pytest
from gpiozero.pins.mock import MockFactory
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from appliance.auth import UserStore
from appliance.config.model import Config, DispatcherConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.events import EventBus
from appliance.ivr.menu import Action
from appliance.ivr.night import NightSwitch
from appliance.ivr.service import IvrService
from appliance.ivr.store import IvrStore
from appliance.prompts.catalog import PromptSet
from appliance.prompts.tts import EspeakSynthesizer
from web import create_app, make_server

pytestmark = pytest.mark.browser



@pytest.fixture
def stack(tmp_path):
    """The web under waitress and, behind the control socket, the core's real IvrService."""
    config = Config(office=OfficeConfig(name="Tehran Taxi", language="en",
                                        timezone="Asia/Tehran", country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "sip:101@127.0.0.1:5071")])
    bus = EventBus()
    prompts = PromptSet(tmp_path, config, EspeakSynthesizer())
    prompts.prepare()
    ivr = IvrService(config, tmp_path, prompts, bus.publish, NightSwitch(MockFactory(), None))
    ivr.start()
    control = ControlServer(socket_path(tmp_path), lambda: {},
                            {"ivr_reload": ivr.reload, "ivr_status": ivr.status})
    bus.start()
    control.start()
    app = create_app(config, tmp_path)
    UserStore(tmp_path).add_user("sara", "pa55word", "supervisor")
    server = make_server(app, "127.0.0.1", 0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    yield {"ivr": ivr, "tmp": tmp_path, "url": f"http://127.0.0.1:{server.effective_port}"}
    server.close()
    control.stop()
    bus.stop()


def wait(driver, predicate, timeout=5.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)
                         ).until(lambda d: predicate(d))


def card(driver, menu_id):
    return driver.find_element(By.CSS_SELECTOR, f'.menu-card[data-node="{menu_id}"]')


def test_supervisor_edits_saves_and_is_refused_a_bad_tree(stack, browser):
    url, ivr = stack["url"], stack["ivr"]
    browser.get(url + "/ivr")
    browser.find_element(By.NAME, "username").send_keys("sara")
    browser.find_element(By.NAME, "password").send_keys("pa55word")
    browser.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '.menu-card[data-node="main"]'))

    # a new key 3 -> voicemail, saved: the core's tree in force follows
    card(browser, "main").find_element(By.CSS_SELECTOR, ".add-option").click()
    row = wait(browser, lambda d: card(d, "main").find_element(By.CSS_SELECTOR, 'tr[data-key="3"]'))
    Select(row.find_element(By.CSS_SELECTOR, ".action-kind")).select_by_value("voicemail")
    browser.find_element(By.ID, "save-tree").click()
    wait(browser, lambda d: "Saved: version 2" in d.find_element(By.ID, "ivr-status").text)
    assert ivr.tree().version == 2 and ivr.tree().choose("main", "3") == Action("voicemail")
    assert IvrStore(stack["tmp"]).current()["saved_by"] == "sara"

    # an extra menu nobody can reach is refused, named, and outlined
    browser.find_element(By.ID, "add-menu").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '.menu-card[data-node="menu2"]'))
    browser.find_element(By.ID, "save-tree").click()
    error = wait(browser, lambda d: d.find_element(By.ID, "ivr-error").is_displayed()
                 and d.find_element(By.ID, "ivr-error"))
    assert "no caller can reach menu menu2" in error.text
    assert "invalid" in card(browser, "menu2").get_attribute("class")
    assert ivr.tree().version == 2  # nothing changed in the core

    # night mode from the page
    browser.find_element(By.ID, "night-toggle").click()
    wait(browser, lambda d: "Night mode is ON" in d.find_element(By.ID, "night-text").text)
    assert ivr.tree().night_mode is True


def test_supervisor_speaks_listens_and_saves_a_prompt(stack, browser):
    url = stack["url"]
    browser.get(url + "/ivr")
    browser.find_element(By.NAME, "username").send_keys("sara")
    browser.find_element(By.NAME, "password").send_keys("pa55word")
    browser.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#prompt-rows tr"))
    browser.find_element(By.ID, "prompt-text").send_keys("We are closed for the holiday.")
    browser.find_element(By.CSS_SELECTOR, "#tts-form button").click()
    audio = wait(browser, lambda d: d.find_element(By.ID, "preview").is_displayed()
                 and d.find_element(By.ID, "preview-audio"))
    # the browser can load and decode the preview: it is playable audio
    wait(browser, lambda d: d.execute_script(
        "const a = document.getElementById('preview-audio'); a.load(); return true;"))
    wait(browser, lambda d: d.execute_script(
        "return document.getElementById('preview-audio').readyState >= 1"), timeout=10)
    assert audio.get_attribute("src").endswith(".wav")
    duration = browser.execute_script("return document.getElementById('preview-audio').duration")
    assert 1.0 < duration < 10.0
    browser.find_element(By.ID, "prompt-key").send_keys("holiday")
    browser.find_element(By.ID, "save-prompt").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-prompt="holiday"]'))
    assert (stack["tmp"] / "prompts" / "custom" / "en" / "holiday.wav").is_file()


def test_voicemail_page_plays_and_marks_handled(stack, browser):
    import subprocess
    from datetime import datetime, timezone
    from appliance.voicemail.store import VoicemailStore, message_path
    at = datetime(2026, 12, 2, 6, 30, tzinfo=timezone.utc)
    path, rel = message_path(stack["tmp"], "c1", at)
    path.parent.mkdir(parents=True)
    subprocess.run(["sox", "-n", "-r", "8000", "-b", "16", "-c", "1", str(path), "synth", "2",
                    "sine", "500"], check=True)
    VoicemailStore(stack["tmp"]).add("c1", "+989121234567", at, 2.0, "taxi", "overflow", rel)
    browser.get(stack["url"] + "/voicemail")
    browser.find_element(By.NAME, "username").send_keys("sara")
    browser.find_element(By.NAME, "password").send_keys("pa55word")
    browser.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    row = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#vm-rows tr.unread"))
    assert "+989121234567" in row.text and "queue full" in row.text
    assert "1 not handled yet" in browser.find_element(By.ID, "vm-unread").text
    wait(browser, lambda d: d.execute_script(
        "const a = document.querySelector('#vm-rows audio'); a.preload = 'auto'; a.load();"
        "return true;"))
    wait(browser, lambda d: d.execute_script(
        "return document.querySelector('#vm-rows audio').readyState >= 1"), timeout=10)
    row.find_element(By.CSS_SELECTOR, ".mark-handled").click()
    wait(browser, lambda d: "Handled by sara" in d.find_element(By.ID, "vm-rows").text)
    assert "0 not handled yet" in browser.find_element(By.ID, "vm-unread").text


def test_a_persian_supervisor_enters_a_holiday_in_the_jalali_calendar(stack, browser):
    browser.get(stack["url"] + "/ivr")
    browser.find_element(By.NAME, "username").send_keys("sara")
    browser.find_element(By.NAME, "password").send_keys("pa55word")
    browser.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '.menu-card[data-node="main"]'))
    browser.get(stack["url"] + "/lang/fa?next=/ivr")
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '.menu-card[data-node="main"]'))
    browser.find_element(By.ID, "holiday-input").send_keys("۱۴۰۵/۰۱/۰۱")
    browser.find_element(By.ID, "add-holiday").click()
    browser.find_element(By.ID, "save-tree").click()
    wait(browser, lambda d: IvrStore(stack["tmp"]).current()["version"] == 2)
    assert IvrStore(stack["tmp"]).current()["tree"]["hours"]["holidays"] == ["2026-03-21"]
    wait(browser, lambda d: "1405/01/01" in d.find_element(By.ID, "holidays").text)


def test_a_russian_supervisor_reads_the_refusal_in_russian_naming_the_menu(stack, browser):
    """Her own language is Russian (the office's is English): the unreachable menu is
    explained in Russian, named, and outlined."""
    UserStore(stack["tmp"]).add_user("olga", "pa55word", "supervisor", language="ru")
    browser.get(stack["url"] + "/ivr")
    browser.find_element(By.NAME, "username").send_keys("olga")
    browser.find_element(By.NAME, "password").send_keys("pa55word")
    browser.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '.menu-card[data-node="main"]'))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
    browser.find_element(By.ID, "add-menu").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '.menu-card[data-node="menu2"]'))
    browser.find_element(By.ID, "save-tree").click()
    error = wait(browser, lambda d: d.find_element(By.ID, "ivr-error").is_displayed()
                 and d.find_element(By.ID, "ivr-error"))
    assert error.text == "до меню menu2 нельзя добраться из первого меню (где: menu2)"
    assert "invalid" in card(browser, "menu2").get_attribute("class")
    assert stack["ivr"].tree().version == 1  # nothing saved, nothing changed in the core
