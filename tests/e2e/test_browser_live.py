"""A real Chromium signs in and watches the live page follow the core without reloading."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from appliance.auth import UserStore
from appliance.config.model import Config, DispatcherConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.events import CallQueued, DispatcherStateChanged, EventBus, LampChanged
from web import create_app, make_server

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT_DIR = Path("/tmp")


class Core:
    """The status the core would report; a test changes it, then publishes the event."""

    def __init__(self):
        self.status = {
            "lines": [{"name": "gsm1", "kind": "gsm", "state": "idle"},
                      {"name": "trunk", "kind": "sip", "state": "unregistered"}],
            "dispatchers": [{"name": "anna", "state": "available"},
                            {"name": "boris", "state": "busy"},
                            {"name": "carla", "state": "paused"}],
            "queues": [{"name": "taxi", "waiting": []}, {"name": "office", "waiting": []}],
            "lamps": [{"name": "anna", "pin": 17, "state": "off"},
                      {"name": "boris", "pin": 18, "state": "on"},
                      {"name": "carla", "pin": 19, "state": "double-flash"},
                      {"name": "queue", "pin": 22, "state": "off"}],
        }


@pytest.fixture
def stack(tmp_path):
    """Bus + control server + web app under waitress on a free loopback port."""
    core, bus = Core(), EventBus()
    control = ControlServer(socket_path(tmp_path), lambda: core.status, {}, heartbeat_s=1.0)
    bus.subscribe(control.handle_event)
    bus.start()
    control.start()
    config = Config(office=OfficeConfig(name="Tehran Taxi", language="en",
                                        timezone="Asia/Tehran", country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "local")])
    app = create_app(config, tmp_path)
    context = app.extensions["callbox"]
    context.sse_retry_s = 0.2
    context.sse_heartbeat_s = 0.2  # a closed browser is noticed at the next write
    UserStore(tmp_path).add_user("anna", "pa55word", "dispatcher")
    server = make_server(app, "127.0.0.1", 0, threads=6)
    threading.Thread(target=server.run, daemon=True).start()
    yield {"core": core, "bus": bus, "control": control, "tmp": tmp_path,
           "url": f"http://127.0.0.1:{server.effective_port}"}
    deadline = time.monotonic() + 3
    while context.streams.used and time.monotonic() < deadline:
        time.sleep(0.02)  # the browser is gone: let its stream end before the server does
    server.close()
    control.stop()
    bus.stop()


@pytest.fixture
def browser(tmp_path):
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,900",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _wait(driver, predicate, timeout=3.0):
    # a refresh re-renders panels, so an element found a moment ago may be gone: retry
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)
                         ).until(lambda d: predicate(d))


def _badge(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f'[data-dispatcher="{name}"] .badge')


def _wait_text(driver, queue="taxi"):
    # looked up afresh each time: any refresh re-renders the panel
    return driver.find_element(By.CSS_SELECTOR, f'[data-queue="{queue}"] .wait').text


def _sign_in(driver, url):
    driver.get(url + "/")
    assert "/login" in driver.current_url
    driver.find_element(By.NAME, "username").send_keys("anna")
    driver.find_element(By.NAME, "password").send_keys("pa55word")
    driver.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-dispatcher]"))


def test_live_page_follows_the_core_without_reloading(stack, browser):
    core, bus, url = stack["core"], stack["bus"], stack["url"]
    _sign_in(browser, url)
    _wait(browser, lambda d: _badge(d, "anna").text == "Free")
    _wait(browser, lambda d: stack["control"].subscriber_count == 1)
    browser.execute_script("window.__notReloaded = true;")

    since = (datetime.now(timezone.utc) - timedelta(seconds=65)).isoformat().replace("+00:00", "Z")
    core.status["dispatchers"][0]["state"] = "ringing"
    core.status["queues"][0]["waiting"] = [{"caller": "+989121234567", "since": since}]
    core.status["lamps"][0]["state"] = "blink"
    core.status["lamps"][3]["state"] = "fast-blink"
    core.status["alarms"] = [{"source": "trunk", "message": "registration failed (403)"}]
    started = time.monotonic()
    bus.publish(CallQueued("c1", "taxi", "+989121234567"))
    bus.publish(DispatcherStateChanged("anna", "ringing", "available"))
    bus.publish(LampChanged("anna", 17, "blink"))

    _wait(browser, lambda d: _badge(d, "anna").text == "Ringing")
    assert time.monotonic() - started < 2.0
    _wait(browser, lambda d: "state-ringing" in _badge(d, "anna").get_attribute("class"))
    caller = '[data-queue="taxi"] .caller'
    _wait(browser, lambda d: "+989121234567" in d.find_element(By.CSS_SELECTOR, caller).text)
    _wait(browser, lambda d: "late" in d.find_element(By.CSS_SELECTOR, caller)
          .get_attribute("class"))  # over the 60 s target: amber
    first = _wait(browser, _wait_text)
    assert first.startswith("1:0")  # about 65 s, counted from the core's "since"
    _wait(browser, lambda d: _wait_text(d) != first, timeout=2.5)  # the timer counts up
    lamp = '[data-lamp="anna"] .lamp'
    animation = _wait(browser, lambda d: d.execute_script(
        "return getComputedStyle(arguments[0]).animationName",
        d.find_element(By.CSS_SELECTOR, lamp)))
    assert animation == "blink"  # drawn blinking, like the real lamp
    alarms = browser.find_element(By.ID, "alarms")
    assert alarms.is_displayed() and "registration failed (403)" in alarms.text
    assert browser.execute_script("return window.__notReloaded === true")
    browser.save_screenshot(str(SCREENSHOT_DIR / "callbox-live.png"))

    # the core dies: a banner says so at once; it comes back: the banner goes
    banner = browser.find_element(By.ID, "core-banner")
    assert not banner.is_displayed()
    stack["control"].stop()
    _wait(browser, lambda d: banner.is_displayed())
    assert "not running" in banner.text
    browser.save_screenshot(str(SCREENSHOT_DIR / "callbox-core-down.png"))
    restarted = ControlServer(socket_path(stack["tmp"]), lambda: core.status, {})
    stack["bus"].subscribe(restarted.handle_event)
    restarted.start()
    try:
        _wait(browser, lambda d: not banner.is_displayed())
        assert browser.execute_script("return window.__notReloaded === true")
    finally:
        restarted.stop()


def test_persian_live_page_reads_right_to_left(stack, browser):
    core, url = stack["core"], stack["url"]
    # the core's own measurement (wait_s) wins over a wall clock that may be off
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    core.status["queues"][1]["waiting"] = [{"caller": "+989351112233", "since": since,
                                            "wait_s": 12.0}]
    _sign_in(browser, url)
    browser.get(url + "/lang/fa?next=/")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-queue="office"] .wait'))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    _wait(browser, lambda d: _badge(d, "anna").text == "آزاد")
    _wait(browser, lambda d: _wait_text(d, "office").startswith("۰:۱"))  # Persian digits
    browser.save_screenshot(str(SCREENSHOT_DIR / "callbox-live-fa.png"))
