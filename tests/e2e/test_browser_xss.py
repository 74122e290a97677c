"""HTML and script in what callers and customers control — a SIP display name, an SMS
text, a chat-like message in an alarm — shown in a real Chromium: displayed as text,
nothing executes (escaping, and the CSP behind it)."""

from __future__ import annotations

import threading
import time

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from appliance.auth import UserStore
from appliance.config.model import Config, DispatcherConfig, GsmConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.events import CallQueued, EventBus
from appliance.store.db import db_path, open_db
from appliance.store.messages import MessageStore
from web import create_app, make_server

pytestmark = pytest.mark.browser

PAYLOADS = ('<img src=x onerror="window.__xss=1;alert(1)">',
            '"><script>window.__xss=2;alert(2)</script>',
            "<svg onload=alert(3)>")


@pytest.fixture
def stack(tmp_path):
    bus = EventBus()
    status = {"version": "1", "lines": [], "dispatchers": [{"name": "anna", "state": "available"}],
              "queues": [{"name": "taxi", "waiting": []}], "lamps": [], "alarms": [],
              "in_menu": [{"call_id": "c1", "caller": PAYLOADS[0], "menu": "main"}],
              "capacity": {"total": 4, "used": 1}}
    control = ControlServer(socket_path(tmp_path), lambda: status, {}, heartbeat_s=1.0)
    bus.subscribe(control.handle_event)
    bus.start()
    control.start()
    config = Config(office=OfficeConfig(name="XSS Taxi", language="en", country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "local")],
                    gsm=[GsmConfig("gsm1", "/dev/ttyUSB0")])
    app = create_app(config, tmp_path)
    app.extensions["callbox"].sse_heartbeat_s = 0.2
    UserStore(tmp_path).add_user("sam", "pa55word", "supervisor")
    conn = open_db(db_path(tmp_path))
    for i, payload in enumerate(PAYLOADS):  # a display name the SIP side kept as raw caller ID
        conn.execute("INSERT INTO calls (call_id, direction, line, caller, caller_raw, "
                     "started_at) VALUES (?, 'in', 'sip', ?, ?, ?)",
                     (f"x{i}", payload, payload, f"2026-03-01T08:0{i}:00.000000Z"))
    conn.close()
    store = MessageStore(db_path(tmp_path))
    for payload in PAYLOADS:
        store.add_incoming("gsm1", "+989121234567", payload)
    store.close()
    server = make_server(app, "127.0.0.1", 0, threads=6)
    threading.Thread(target=server.run, daemon=True).start()
    yield {"bus": bus, "status": status, "url": f"http://127.0.0.1:{server.effective_port}",
           "control": control}
    time.sleep(0.3)
    server.close()
    control.stop()
    bus.stop()


def _nothing_ran(driver) -> None:
    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        text = None
    assert text is None, f"a script ran: alert({text})"
    assert driver.execute_script("return window.__xss === undefined")


def test_payloads_are_shown_as_text_and_never_run(stack, browser):
    url = stack["url"]
    browser.get(url + "/login")
    browser.find_element(By.NAME, "username").send_keys("sam")
    browser.find_element(By.NAME, "password").send_keys("pa55word")
    browser.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    WebDriverWait(browser, 5).until(lambda d: d.find_elements(By.ID, "in-menu"))
    # live page: a caller in the menu, then one queued, pushed over the event stream
    WebDriverWait(browser, 5).until(lambda d: "onerror" in d.find_element(By.ID, "in-menu").text)
    WebDriverWait(browser, 5).until(lambda d: stack["control"].subscriber_count >= 1)
    stack["status"]["queues"][0]["waiting"] = [{"caller": PAYLOADS[1], "since": "2026-03-01T08:00:00Z"}]
    stack["bus"].publish(CallQueued("c2", "taxi", PAYLOADS[1]))
    WebDriverWait(browser, 5).until(
        lambda d: "<script>" in d.find_element(By.CSS_SELECTOR, '[data-queue="taxi"]').text)
    _nothing_ran(browser)
    for page in ("/calls", "/messages"):
        browser.get(url + page)
        body = browser.find_element(By.TAG_NAME, "body").text
        for payload in PAYLOADS:
            assert payload in body, (page, payload)  # shown literally, as text
        assert not browser.find_elements(By.CSS_SELECTOR, "main img[src='x'], main svg[onload]")
        _nothing_ran(browser)
