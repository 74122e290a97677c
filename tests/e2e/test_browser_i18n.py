"""A real Chromium on Persian pages: right to left, a Jalali date picked with Persian
digits filters the call log, a line name stays Latin, and a core refusal is read in
Persian."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from appliance.auth import UserStore
from appliance.config.model import Config, DispatcherConfig, GsmConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.errors import CallboxError
from appliance.events import EventBus
from appliance.i18n import N_
from appliance.store.db import db_path, open_db
from web import create_app, make_server
from web.jalali import jalali_to_gregorian

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path("/tmp")
PASSWORD = "pa55word-fa"

STATUS = {
    "version": "1.2.3",
    "lines": [{"name": "gsm1", "kind": "gsm", "state": "idle"}],
    "dispatchers": [{"name": "anna", "state": "available", "pause_pending": False}],
    "queues": [{"name": "taxi", "waiting": []}],
    "in_menu": [], "lamps": [], "capacity": {"total": 8, "used": 0}, "alarms": [],
}


def _refuse_pause(args: dict):
    # what the real core says when its event bus does not answer (appliance/app.py)
    raise CallboxError(N_("core is busy: no answer from the event bus"))


def _seed_calls(data_dir: Path) -> None:
    conn = open_db(db_path(data_dir))
    try:
        for call_id, started in (("in-range", "2026-11-26T08:00:00Z"),   # 1405/09/05 Tehran
                                 ("too-early", "2026-11-20T08:00:00Z")):
            conn.execute(
                "INSERT INTO calls (call_id, direction, line, caller, caller_raw, callee,"
                " started_at, ended_at, ivr_path, disposition, hangup_cause)"
                " VALUES (?, 'in', 'gsm1', '+989121234567', '09121234567', '', ?, ?, '',"
                " 'abandoned', 'caller hung up while waiting (busy)')",
                (call_id, started, started))
    finally:
        conn.close()


@pytest.fixture
def stack(tmp_path):
    bus = EventBus()
    control = ControlServer(socket_path(tmp_path), lambda: STATUS, {"pause": _refuse_pause},
                            heartbeat_s=1.0)
    bus.subscribe(control.handle_event)
    bus.start()
    control.start()
    config = Config(office=OfficeConfig(name="Tehran Taxi", language="fa",
                                        timezone="Asia/Tehran", country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "local")],
                    gsm=[GsmConfig("gsm1", "/dev/ttyUSB0")])
    app = create_app(config, tmp_path)
    context = app.extensions["callbox"]
    context.sse_retry_s = 0.2
    context.sse_heartbeat_s = 0.2
    UserStore(tmp_path).add_user("sara", PASSWORD, "supervisor")
    _seed_calls(tmp_path)
    server = make_server(app, "127.0.0.1", 0, threads=6)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    deadline = time.monotonic() + 3
    while context.streams.used and time.monotonic() < deadline:
        time.sleep(0.02)
    server.close()
    control.stop()
    bus.stop()


def _wait(driver, predicate, timeout=6.0):  # a loaded CI machine is slow
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)
                         ).until(lambda d: predicate(d))


def _sign_in(driver, url):
    driver.get(url + "/login")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert driver.find_element(By.TAG_NAME, "h1").text == "ورود"
    driver.find_element(By.NAME, "username").send_keys("sara")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.login-box button").click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-dispatcher]"))


def test_persian_call_log_with_a_jalali_date_picked_and_a_refusal_in_persian(stack, browser):
    _sign_in(browser, stack)
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "fa"
    # the page really is laid out right to left: the brand sits at the right edge
    brand = browser.find_element(By.CSS_SELECTOR, ".brand").rect
    assert brand["x"] > 700

    # a core refusal, read in Persian (the core sent its msgid; the web translated it)
    _wait(browser, lambda d: d.find_element(
        By.CSS_SELECTOR, '[data-dispatcher="anna"] .pause-btn')).click()
    error = browser.find_element(By.ID, "action-error")
    _wait(browser, lambda d: error.is_displayed())
    assert "انجام نشد" in error.text and "سامانهٔ تماس مشغول است" in error.text
    assert "core is busy" not in error.text

    browser.get(stack + "/calls")
    since = browser.find_element(By.NAME, "since")
    assert since.get_attribute("placeholder") == "۱۴۰۵/۰۱/۰۱"  # Persian digits
    since.send_keys("۱۴۰۵/۰۹/۰۱")
    browser.find_element(By.TAG_NAME, "h1").click()
    since.click()
    picker = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".jalali-picker"))
    _wait(browser, lambda d: picker.is_displayed())
    assert picker.find_element(By.CSS_SELECTOR, ".jp-title").text == "آذر ۱۴۰۵"
    # Azar 1405 starts on a Sunday: one blank cell after the Saturday-first day names
    first = jalali_to_gregorian(1405, 9, 1)
    blanks = browser.execute_script(
        "const g = document.querySelector('.jp-grid'); let n = 0;"
        "for (const c of g.children) { if (c.classList.contains('jp-day')) break;"
        " if (!c.classList.contains('jp-wd')) n += 1; } return n;")
    assert blanks == (first.weekday() + 2) % 7
    # the picker's calendar agrees with the server's (web/jalali.py) month by month,
    # leap years included (1403 has an Esfand 30)
    months = [(y, m) for y in range(1395, 1411) for m in range(1, 13)]
    got = browser.execute_script(
        "return arguments[0].map(([y, m]) => [window.callboxJalali.toGregorian(y, m, 1),"
        " window.callboxJalali.monthLength(y, m)]);", months)
    for (y, m), (first_day, length) in zip(months, got):
        assert date(*first_day) == jalali_to_gregorian(y, m, 1), (y, m)
        nxt = (y + 1, 1) if m == 12 else (y, m + 1)
        assert length == (jalali_to_gregorian(*nxt, 1) - jalali_to_gregorian(y, m, 1)).days
    day = picker.find_element(By.CSS_SELECTOR, '[data-day="1405/09/05"]')
    assert day.text == "۵"
    day.click()
    assert since.get_attribute("value") == "۱۴۰۵/۰۹/۰۵"
    assert not picker.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()

    _wait(browser, lambda d: "since=" in d.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.calls tbody tr")
    assert [r.get_attribute("data-id") for r in rows] and len(rows) == 1  # 11-20 filtered out
    cells = rows[0].find_elements(By.TAG_NAME, "td")
    assert cells[0].text.startswith("۱۴۰۵/۰۹/۰۵")  # Jalali, Persian digits
    assert cells[2].text == "gsm1"  # a line name keeps its Latin digits
    assert cells[3].text == "۰۹۱۲ ۱۲۳ ۴۵۶۷"  # the office's way, Persian digits
    # the cause in Persian; its inner reason isolated (FSI..PDI) for the bidi algorithm
    assert cells[10].text == "تماس‌گیرنده در انتظار قطع کرد (\u2068اشغال\u2069)"
    browser.save_screenshot(str(SCREENSHOT_DIR / "callbox-calls-fa.png"))


def test_a_missing_page_is_persian_inside_the_layout(stack, browser):
    _sign_in(browser, stack)
    browser.get(stack + "/no-such-page")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert "صفحه پیدا نشد" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, "nav.nav a")  # the menu is there
