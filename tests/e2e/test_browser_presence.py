"""A real Chromium on the live page, a real queue (Acd) behind a real control socket: a
dispatcher logs out and back in, pauses with a reason picked from the office's list and
resumes — by clicking, and the queue's own state follows."""

from __future__ import annotations

import threading

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from appliance.acd.acd import Acd
from appliance.acd.actions import queue_actions
from appliance.auth import UserStore
from appliance.config.model import AcdConfig, Config, DispatcherConfig, OfficeConfig, QueueConfig
from appliance.control import ControlServer, socket_path
from appliance.events import EventBus
from web import create_app, make_server

pytestmark = pytest.mark.browser


class NoPhones:
    """CallControl that places nothing: nobody calls in these tests."""

    def __getattr__(self, name):
        return lambda *a, **k: 0


@pytest.fixture
def stack(tmp_path):
    bus = EventBus()
    bus.start()
    people = [DispatcherConfig("anna", "101", "sip:101@127.0.0.1"),
              DispatcherConfig("boris", "102", "sip:102@127.0.0.1")]
    settings = AcdConfig(pause_reasons=["lunch", "break"])
    acd = Acd([QueueConfig("taxi")], people, NoPhones(), lambda k: k, bus, lambda: 0.0,
              settings=settings)
    on_bus = lambda fn: bus.call(fn, timeout=5)  # noqa: E731
    acd.on_bus = on_bus
    status = lambda: {"dispatchers": on_bus(lambda: acd.status()["dispatchers"]),  # noqa: E731
                      "queues": [], "lines": [], "lamps": [], "in_menu": [], "alarms": [],
                      "transfers": [], "capacity": {"total": 8, "used": 0}}
    control = ControlServer(socket_path(tmp_path), status, queue_actions(acd, on_bus),
                            heartbeat_s=0.5)
    bus.subscribe(control.handle_event)
    control.start()
    config = Config(office=OfficeConfig(name="Tehran Taxi", language="en",
                                        timezone="Asia/Tehran", country="IR"),
                    dispatcher=people, acd=settings)
    app = create_app(config, tmp_path)
    context = app.extensions["callbox"]
    context.sse_retry_s = context.sse_heartbeat_s = 0.2
    UserStore(tmp_path).add_user("anna", "pa55word", "dispatcher", dispatcher="anna")
    server = make_server(app, "127.0.0.1", 0, threads=6)
    threading.Thread(target=server.run, daemon=True).start()
    yield (lambda name: on_bus(lambda: next(d for d in acd.status()["dispatchers"]
                                            if d["name"] == name))), \
        f"http://127.0.0.1:{server.effective_port}", \
        (lambda name: on_bus(lambda: acd.logout(name)))
    server.close()
    control.stop()
    bus.stop()


def _wait(driver, predicate, timeout=10.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException, IndexError)
                         ).until(lambda d: predicate(d))


def _panel(driver, css):
    return driver.find_elements(By.CSS_SELECTOR, f'[data-dispatcher="anna"] {css}')


def _click(driver, css):
    def click(d):  # a refresh may redraw the panel between finding and clicking: retry
        _panel(d, css)[0].click()
        return True
    _wait(driver, click)


def _badge(driver):
    return _wait(driver, lambda d: _panel(d, ".badge")[0].text)


def test_a_dispatcher_logs_out_and_in_pauses_with_a_reason_and_resumes(stack, browser):
    queue_state, url, log_out = stack
    browser.get(url + "/")
    browser.find_element(By.NAME, "username").send_keys("anna")
    browser.find_element(By.NAME, "password").send_keys("pa55word")
    browser.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    _wait(browser, lambda d: _panel(d, ".presence-btn.logout"))
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-dispatcher="boris"] .presence-btn')

    _click(browser, ".presence-btn.logout")
    _wait(browser, lambda d: _panel(d, ".presence-btn.login"))
    assert queue_state("anna")["state"] == "offline"
    assert _badge(browser) == "Offline" and not _panel(browser, ".pause-btn")

    _click(browser, ".presence-btn.login")
    _wait(browser, lambda d: _panel(d, ".pause-btn.pause"))
    assert queue_state("anna")["state"] == "available"

    _wait(browser, lambda d: Select(_panel(d, ".pause-reason-pick")[0]).select_by_visible_text(
        "break") or True)
    log_out("boris")  # a core event: the page redraws, and keeps the reason picked
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-dispatcher="boris"].d-offline'))
    _click(browser, ".pause-btn.pause")
    _wait(browser, lambda d: _panel(d, ".pause-btn.undo"))
    assert queue_state("anna")["state"] == "paused"
    assert queue_state("anna")["pause_reason"] == "break"
    assert _wait(browser, lambda d: _panel(d, ".pause-reason")[0].text) == "break"

    _click(browser, ".pause-btn.undo")
    _wait(browser, lambda d: _panel(d, ".pause-btn.pause"))
    assert queue_state("anna")["state"] == "available"
