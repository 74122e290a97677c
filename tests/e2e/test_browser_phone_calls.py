"""A real Chromium on the live page and on a desk while dispatchers' phones do what
phones do, through the real core: anna's phone (SIPp, tests/e2e/scenarios/
phone_hold.xml) puts a GSM caller on hold, and while the caller hears hold music her
phone dials her colleague ben (SIPp, phone_consult.xml: a call between phones through
the box); ben's phone (a pjsua2 sim-phone) answers, talks, hangs up.

The supervisor's live page shows "Caller on hold" on anna's card and the call between
the phones on both cards (who calls whom, then who talks to whom), and ben's desk says
who calls instead of opening a customer card for anna's extension — each appearing
and going without a reload.
"""

from __future__ import annotations

import threading
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from appliance.auth import UserStore
from appliance.config.loader import load_toml
from browsers import chromium
from harness import gsm_line_up, gsm_toml, office_toml, sipp, sipp_phone, wait_for
from web import create_app, make_server

pytestmark = [pytest.mark.sip, pytest.mark.browser]

PASSWORD = "pa55word"
QUEUE_OPTS = 'members = ["anna"]\nwrapup_s = 1.0\nring_timeout_s = 8.0'


@pytest.fixture
def desk_browser(tmp_path):
    """Ben's browser (its own cookies), on his desk."""
    driver = chromium(tmp_path / "chromium-profile-ben")
    yield driver
    driver.quit()


@pytest.fixture
def web(office, modem):
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17),
                                                    ("ben", "102", office.phone_ports[1], 18)],
                                  rtp_port=office.rtp_port, queue_opts=QUEUE_OPTS)
                      + gsm_toml(modem))
    users = UserStore(office.data)
    users.add_user("sam", PASSWORD, "supervisor")
    users.add_user("ben", PASSWORD, "dispatcher")  # ben's desk, linked by the name
    app = create_app(load_toml(office.tmp / "callbox.toml"), office.data, office.control)
    context = app.extensions["callbox"]
    context.sse_retry_s = context.sse_heartbeat_s = 0.2
    server = make_server(app, "127.0.0.1", 0, threads=16)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    deadline = time.monotonic() + 3
    while context.streams.used and time.monotonic() < deadline:
        time.sleep(0.02)
    server.close()


def _wait(driver, predicate, timeout=10.0):
    # a refresh re-renders the cards, so an element found a moment ago may be gone: retry
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)
                         ).until(lambda d: predicate(d))


def _sign_in(driver, url, user, page, ready):
    driver.get(url + "/login?next=" + page)
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ready))


def _plain(text: str) -> str:
    return text.replace("\u2068", "").replace("\u2069", "")  # the names are bidi-isolated


def _card(driver, name) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'[data-dispatcher="{name}"]').text


def _held(driver, name) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, f'[data-dispatcher="{name}"] .on-hold'))


def _colleague(driver, name) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, f'[data-dispatcher="{name}"] .colleague')
    return _plain(found[0].text) if found else ""


def _banner(driver) -> str:
    box = driver.find_element(By.ID, "desk-colleague")
    return _plain(box.text) if box.is_displayed() else ""


def test_hold_and_a_call_between_phones_show_on_the_cards_and_the_desk(office, modem, web,
                                                                        browser, desk_browser):
    office.start_phones([f"102@127.0.0.1:{office.phone_ports[1]}"], answer_after="3-3",
                        hangup_after="3-3")
    anna_phone = sipp_phone(office, "phone_hold.xml", {"talk_ms": 1500, "hold_ms": 14000},
                            "phone_hold.log", timeout_s=60)
    _sign_in(browser, web, "sam", "/", "[data-dispatcher]")
    _sign_in(desk_browser, web, "ben", "/desk", "#order-form")
    wait_for(lambda: gsm_line_up(office), 20, 0.2, "the GSM line to register")
    modem.inject_call("+989121234567")
    wait_for(lambda: office.control.status()["in_menu"], 10, what="the caller in the menu")
    modem.press("1")

    _wait(browser, lambda d: _held(d, "anna"), 20)  # her phone pressed Hold
    assert "Caller on hold" in _card(browser, "anna") and not _held(browser, "ben")
    browser.save_screenshot("/tmp/callbox-live-on-hold.png")

    done: dict = {}
    consult = threading.Thread(target=lambda: done.update(result=sipp(
        office, "phone_consult.xml", timeout=40, template={"to": "102"},
        keys={"user": "101"})[0]))
    consult.start()  # anna's phone dials ben while the caller waits
    try:
        _wait(browser, lambda d: _colleague(d, "anna") == "Calling ben"
              and _colleague(d, "ben") == "Call from anna")
        assert _held(browser, "anna")  # the caller still on hold meanwhile
        _wait(desk_browser, lambda d: _banner(d) == "Call from colleague anna")
        card = desk_browser.find_element(By.ID, "card")
        assert card.get_attribute("data-state") == "empty"  # no card for extension 101
        assert not desk_browser.find_element(By.ID, "customer-form").is_displayed()
        assert "101" not in card.text and "New customer" not in card.text
        desk_browser.save_screenshot("/tmp/callbox-desk-colleague.png")

        _wait(browser, lambda d: _colleague(d, "anna") == "Talking to ben"
              and _colleague(d, "ben") == "Talking to anna")
        browser.save_screenshot("/tmp/callbox-live-colleagues.png")
        _wait(desk_browser, lambda d: _banner(d) == "Talking to colleague anna")

        # ben hangs up: the call between the phones goes from both pages, no reload
        _wait(browser, lambda d: not _colleague(d, "anna") and not _colleague(d, "ben"), 15)
        _wait(desk_browser, lambda d: _banner(d) == "")
        assert desk_browser.find_element(By.ID, "card").get_attribute("data-state") == "empty"
    finally:
        consult.join(60)
    assert done["result"].returncode == 0, done["result"].stdout[-2000:]

    _wait(browser, lambda d: not _held(d, "anna"), 20)  # her phone resumed
    assert _colleague(browser, "anna") == ""
    modem.remote_hangup()
    assert anna_phone.wait(30) == 0, (office.tmp / "phone_hold.log").read_text()[-3000:]
    records = {r["ivr_path"]: r for r in office.ended_records(2, timeout=20)}
    assert records["internal:anna>ben"]["dispatcher"] == "ben"
