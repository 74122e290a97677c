"""A real Chromium signs in and watches the live page follow the core without reloading."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from appliance.auth import UserStore
from appliance.config.model import Config, DispatcherConfig, GsmConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.events import CallQueued, DispatcherStateChanged, EventBus, LampChanged
from appliance.store.db import db_path
from appliance.store.messages import MessageStore
from web import create_app, make_server

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path("/tmp")


class Core:
    """The status the core would report; a test changes it, then publishes the event.
    Its "pause" action behaves like a core that answers at once and changes the
    dispatcher a moment later on its bus, publishing DispatcherStateChanged: so the
    page can only show the change by following the event stream."""

    PAUSE_DELAY_S = 0.4

    def __init__(self, bus: EventBus):
        self.bus = bus
        self.status = {
            "version": "1.2.3",
            "lines": [{"name": "gsm1", "kind": "gsm", "state": "idle"},
                      {"name": "trunk", "kind": "sip", "state": "unregistered"}],
            "dispatchers": [{"name": "anna", "state": "available", "pause_pending": False},
                            {"name": "boris", "state": "busy", "pause_pending": True},
                            {"name": "carla", "state": "paused", "pause_pending": False}],
            "queues": [{"name": "taxi", "waiting": []}, {"name": "office", "waiting": []}],
            "in_menu": [{"call_id": "c7", "caller": "+989351112233", "menu": "main"}],
            "lamps": [{"name": "anna", "pin": 17, "state": "off"},
                      {"name": "boris", "pin": 18, "state": "on"},
                      {"name": "carla", "pin": 19, "state": "double-flash"},
                      {"name": "queue", "pin": 22, "state": "off"}],
            "capacity": {"total": 8, "used": 1},
            "alarms": [],
            "demo": {"callers": True},
        }

    def actions(self) -> dict:
        return {"pause": self.pause, "callers": self.callers}

    def pause(self, args: dict) -> str:
        agent = next(d for d in self.status["dispatchers"] if d["name"] == args["dispatcher"])
        paused = bool(args.get("paused", True))

        def apply() -> None:
            before = agent["state"]
            agent["state"] = "paused" if paused else "available"
            self.bus.publish(DispatcherStateChanged(agent["name"], agent["state"], before))
        self.bus.call_soon(lambda: self.bus.call_later(self.PAUSE_DELAY_S, apply))
        return agent["state"]

    def callers(self, args: dict) -> dict:
        self.status["demo"]["callers"] = bool(args["enabled"])
        return self.status["demo"]


@pytest.fixture
def stack(tmp_path):
    """Bus + control server + web app under waitress on a free loopback port."""
    bus = EventBus()
    core = Core(bus)
    control = ControlServer(socket_path(tmp_path), lambda: core.status, core.actions(),
                            heartbeat_s=1.0)
    bus.subscribe(control.handle_event)
    bus.start()
    control.start()
    config = Config(office=OfficeConfig(name="Tehran Taxi", language="en",
                                        timezone="Asia/Tehran", country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "local")],
                    gsm=[GsmConfig("gsm1", "/dev/ttyUSB0")])
    app = create_app(config, tmp_path)
    context = app.extensions["callbox"]
    context.sse_retry_s = 0.2
    context.sse_heartbeat_s = 0.2  # a closed browser is noticed at the next write
    users = UserStore(tmp_path)
    users.add_user("anna", "pa55word", "dispatcher", dispatcher="anna")
    users.add_user("ali", "pa55word", "admin")
    _seed_messages(tmp_path)
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


def _seed_messages(data_dir) -> None:
    store = MessageStore(db_path(data_dir))
    store.add_incoming("gsm1", "+989121234567", "سلام، یک تاکسی به میدان ونک لطفاً")
    sent = store.add_outgoing("gsm1", "+989121234567", "Your taxi arrives in 5 minutes.")
    store.set_status(sent, "delivered")
    store.add_ussd("gsm1", "*140*11#", "Balance: 9,500 Rial")
    store.close()


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


def _sign_in(driver, url, user="anna"):
    driver.get(url + "/")
    assert "/login" in driver.current_url
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys("pa55word")
    driver.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-dispatcher]"))


def test_live_page_follows_the_core_without_reloading(stack, browser):
    core, bus, url = stack["core"], stack["bus"], stack["url"]
    _sign_in(browser, url)
    _wait(browser, lambda d: _badge(d, "anna").text == "Free")
    _wait(browser, lambda d: stack["control"].subscriber_count == 1)
    browser.execute_script("window.__notReloaded = true;")

    # what else the page shows: callers in the menu, capacity, a pending pause, the demo switch
    assert "0935 111 2233" in browser.find_element(By.ID, "in-menu").text  # the office's format
    assert "Calls in use:" in browser.find_element(By.ID, "capacity").text
    assert "1 / 8" in browser.find_element(By.ID, "capacity").text
    assert browser.find_element(By.CSS_SELECTOR, '[data-dispatcher="boris"] .pending').text \
        == "pause after this call"
    switch = browser.find_element(By.ID, "callers-switch")
    assert switch.text == "On" and not switch.is_enabled()  # only supervisors may switch it
    # anna may pause herself and nobody else; the badge follows the core's event
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-dispatcher="boris"] .pause-btn')
    pause = browser.find_element(By.CSS_SELECTOR, '[data-dispatcher="anna"] .pause-btn')
    assert pause.text == "Pause"
    clicked = time.monotonic()
    pause.click()
    _wait(browser, lambda d: _badge(d, "anna").text == "Paused")
    assert time.monotonic() - clicked >= Core.PAUSE_DELAY_S  # not before the event came
    assert "state-paused" in _badge(browser, "anna").get_attribute("class")
    _wait(browser, lambda d: d.find_element(
        By.CSS_SELECTOR, '[data-dispatcher="anna"] .pause-btn').text == "Resume")
    browser.save_screenshot(str(SCREENSHOT_DIR / "callbox-live-paused.png"))

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
    _wait(browser, lambda d: "0912 123 4567" in d.find_element(By.CSS_SELECTOR, caller).text)
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


def test_persian_pages_read_right_to_left(stack, browser):
    core, url = stack["core"], stack["url"]
    # the core's own measurement (wait_s) wins over a wall clock that may be off
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    core.status["queues"][1]["waiting"] = [{"caller": "+989351112233", "since": since,
                                            "wait_s": 12.0}]
    _sign_in(browser, url, user="ali")  # an admin: every button, every page
    browser.get(url + "/lang/fa?next=/")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-queue="office"] .wait'))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    _wait(browser, lambda d: _badge(d, "anna").text == "آزاد")
    _wait(browser, lambda d: _wait_text(d, "office").startswith("۰:۱"))  # Persian digits
    assert "۱ / ۸" in browser.find_element(By.ID, "capacity").text
    switch = browser.find_element(By.ID, "callers-switch")
    assert switch.text == "روشن"
    switch.click()  # the demo's generated callers go off
    _wait(browser, lambda d: d.find_element(By.ID, "callers-switch").text == "خاموش")
    assert core.status["demo"]["callers"] is False
    browser.save_screenshot(str(SCREENSHOT_DIR / "callbox-live-fa.png"))

    browser.get(url + "/messages")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.messages tbody tr")
    assert len(rows) == 2 and "۰۹۱۲ ۱۲۳ ۴۵۶۷" in rows[0].text
    browser.save_screenshot(str(SCREENSHOT_DIR / "callbox-messages-fa.png"))
    browser.get(url + "/health")
    assert browser.find_element(By.TAG_NAME, "h1").text == "سلامت"
    assert browser.find_element(By.CSS_SELECTOR, '.health-lines [data-line="gsm1"]')
    browser.save_screenshot(str(SCREENSHOT_DIR / "callbox-health-fa.png"))
