"""A real Chromium on the dispatcher desk: the caller's card while a SIPp call rings the
dispatcher's phone, and a whole order typed with the keyboard alone, appearing live on
another open desk."""

from __future__ import annotations

import threading
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from appliance.auth import UserStore
from appliance.config.loader import load_toml
from appliance.config.model import (Config, DeskConfig, DispatcherConfig, GsmConfig,
                                    OfficeConfig)
from appliance.control import ControlServer, socket_path
from appliance.desk.actions import DeskActions
from appliance.desk.customers import Customers
from appliance.desk.service import DeskService
from appliance.desk.streets import Streets
from appliance.desk.tracker import DeskTracker, EVENT_TYPES as TRACKER_EVENTS
from appliance.events import EventBus
from appliance.store.db import db_path, open_db
from browsers import chromium
from harness import PCAPS, office_toml, sipp
from web import create_app, make_server

pytestmark = pytest.mark.browser

PASSWORD = "pa55word"


@pytest.fixture
def other_browser(tmp_path):
    """A second person's browser (its own cookies): another open desk."""
    driver = chromium(tmp_path / "chromium-profile-2")
    yield driver
    driver.quit()


def _serve(app):
    context = app.extensions["callbox"]
    context.sse_retry_s = 0.2
    context.sse_heartbeat_s = 0.2
    server = make_server(app, "127.0.0.1", 0, threads=16)  # 8 kept free of streams
    threading.Thread(target=server.run, daemon=True).start()
    return server, context


def _close(server, context) -> None:
    deadline = time.monotonic() + 3
    while context.streams.used and time.monotonic() < deadline:
        time.sleep(0.02)
    server.close()


def _wait(driver, predicate, timeout=5.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)
                         ).until(lambda d: predicate(d))


def _sign_in(driver, url, user="anna"):
    driver.get(url + "/login?next=/desk")
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
    _wait(driver, lambda d: d.find_elements(By.ID, "order-form"))


def _seed(data_dir) -> int:
    conn = open_db(db_path(data_dir))
    try:
        streets = Streets(conn)
        streets.import_csv("city,name\nTehran,میدان ونک\nTehran,خیابان ولیعصر\nKaraj,میدان ونک\n")
        conn.execute("INSERT INTO drivers (name, phone, car, colour, plate) VALUES "
                     "('Reza', '09350000000', 'Peugeot 405', 'white', '12 B 345')")
        return Customers(conn, "IR").create("Ali Rezaei", ["09121234567"], notes="2nd floor",
                                            flags=["blacklist"], blacklist_reason="unpaid fare")
    finally:
        conn.close()


# ---------------------------------------------------------------- without SIP
@pytest.fixture
def stack(tmp_path):
    """Bus, the real desk tracker and actions behind a control socket, the web app."""
    bus = EventBus()
    tracker = DeskTracker(bus.publish)
    bus.subscribe(tracker.handle, TRACKER_EVENTS)
    service = DeskService(db_path(tmp_path), "IR", city="Tehran")
    desk = DeskActions(tracker, service, lambda fn: fn(), bus.publish)
    control = ControlServer(socket_path(tmp_path), lambda: {"dispatchers": []}, desk.actions(),
                            heartbeat_s=1.0)
    bus.subscribe(control.handle_event)
    bus.start()
    control.start()
    config = Config(office=OfficeConfig(name="Tehran Taxi", language="en",
                                        timezone="Asia/Tehran", country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "sip:101@127.0.0.1")],
                    gsm=[GsmConfig("gsm1", "/dev/ttyUSB0")], desk=DeskConfig(city="Tehran"))
    users = UserStore(tmp_path)
    users.add_user("anna", PASSWORD, "dispatcher", dispatcher="anna")
    users.add_user("sam", PASSWORD, "supervisor")
    _seed(tmp_path)
    server, context = _serve(create_app(config, tmp_path))
    yield {"url": f"http://127.0.0.1:{server.effective_port}", "tmp": tmp_path, "bus": bus,
           "control": control, "context": context}
    _close(server, context)
    control.stop()
    bus.stop()


def _keys(driver, *keys) -> None:
    """Type into whatever has the focus (no clicks, no element lookups)."""
    ActionChains(driver).send_keys(*keys).perform()


def _focused(driver) -> str:
    return driver.switch_to.active_element.get_attribute("id")


def test_an_order_typed_with_the_keyboard_alone_appears_on_another_desk(stack, browser,
                                                                         other_browser):
    url = stack["url"]
    _sign_in(other_browser, url, "sam")  # a supervisor's desk, open at the same time
    _sign_in(browser, url)
    _wait(browser, lambda d: stack["control"].subscriber_count >= 2)

    _keys(browser, Keys.F2)  # a new order; no caller yet, so the number comes first
    _wait(browser, lambda d: d.find_element(By.ID, "order-form").is_displayed())
    assert _focused(browser) == "o-number"
    assert browser.find_element(By.ID, "o-city").get_attribute("value") == "Tehran"
    _keys(browser, "۰۹۱۲ ۱۲۳ ۴۵۶۷", Keys.TAB)
    assert _focused(browser) == "o-kind"
    _keys(browser, Keys.TAB)
    assert _focused(browser) == "o-pickup"
    _keys(browser, "ونك")  # Arabic kaf: still finds ونک
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#pickup-list li")) >= 1)
    warn = browser.find_element(By.ID, "address-check")
    assert "not in the street list" in warn.text
    _keys(browser, Keys.ARROW_DOWN, Keys.ARROW_UP, Keys.ENTER)
    assert browser.find_element(By.ID, "o-pickup").get_attribute("value") == "میدان ونک"
    assert "Address found in the street list." == warn.text
    assert browser.find_element(By.ID, "readback").text == "Read back: میدان ونک, Tehran"
    _keys(browser, Keys.TAB, Keys.TAB)  # city, then destination
    assert _focused(browser) == "o-destination"
    _keys(browser, "Azadi Square", Keys.TAB, Keys.TAB, Keys.TAB)  # when, car class, price
    assert _focused(browser) == "o-price"
    _keys(browser, "150000", Keys.F9)
    _wait(browser, lambda d: "saved" in d.find_element(By.ID, "order-result").text)
    browser.save_screenshot("/tmp/callbox-desk-order.png")

    conn = open_db(db_path(stack["tmp"]))
    order = dict(conn.execute("SELECT * FROM orders").fetchone())
    conn.close()
    assert (order["number"], order["pickup"], order["city"], order["destination"],
            order["price"], order["state"], order["created_by"], order["in_street_list"]) == \
        ("+989121234567", "میدان ونک", "Tehran", "Azadi Square", 150000.0, "new", "anna", 1)
    # the blacklisted customer's card came up red once the order named them
    _wait(browser, lambda d: "alert" in d.find_element(By.ID, "card").get_attribute("class"))
    assert "unpaid fare" in browser.find_element(By.ID, "card").text

    # the other desk got it live, without reloading
    row = f'#open-orders tr[data-order="{order["id"]}"]'
    _wait(other_browser, lambda d: d.find_elements(By.CSS_SELECTOR, row))
    assert "میدان ونک" in other_browser.find_element(By.CSS_SELECTOR, row).text


# ---------------------------------------------------------------- a real call
@pytest.fixture
def web(office):
    office.start_core(office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                                  rtp_port=office.rtp_port,
                                  queue_opts="wrapup_s = 1.0\nring_timeout_s = 15.0")
                      + '\n[desk]\ncity = "Tehran"\n')
    users = UserStore(office.data)
    users.add_user("anna", PASSWORD, "dispatcher")  # linked by the name alone
    _seed(office.data)
    server, context = _serve(create_app(load_toml(office.tmp / "callbox.toml"), office.data,
                                        office.control))
    yield f"http://127.0.0.1:{server.effective_port}"
    _close(server, context)


@pytest.mark.sip
def test_the_card_appears_while_the_call_rings_the_dispatcher(office, web, browser):
    office.start_phones([f"101@127.0.0.1:{office.phone_ports[0]}"], answer_after="5-5",
                        hangup_after="1-1")
    _sign_in(browser, web)
    card = browser.find_element(By.ID, "card")
    assert "Ali Rezaei" not in card.text
    caller = threading.Thread(target=sipp, args=(office, "caller.xml"), kwargs={
        "template": {"greet_ms": 1000, "talk_ms": 12000},
        "keys": {"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"}})
    caller.start()
    try:
        _wait(browser, lambda d: "Ali Rezaei" in d.find_element(By.ID, "card").text, 15)
        states = {d["name"]: d["state"] for d in office.control.status()["dispatchers"]}
        assert states["anna"] == "ringing"  # still ringing: nobody has answered yet
        card = browser.find_element(By.ID, "card")
        assert "alert" in card.get_attribute("class")  # blacklisted: red before answering
        assert "unpaid fare" in card.text
        assert "0912 123 4567" in card.text  # as the office writes it
        assert browser.find_element(By.ID, "desk-state").text == "Ringing"
        browser.save_screenshot("/tmp/callbox-desk-ringing.png")
        _wait(browser, lambda d: d.find_element(By.ID, "desk-state").text == "On a call", 10)
    finally:
        caller.join(40)


def test_a_supervisor_finds_edits_and_merges_customers_and_imports_streets(stack, browser):
    url, tmp = stack["url"], stack["tmp"]
    conn = open_db(db_path(tmp))
    dup = Customers(conn, "IR").create("", ["0935 111 2233"], notes="called from work")
    conn.close()
    _sign_in(browser, url, "sam")
    search = browser.find_element(By.ID, "customer-search")
    search.send_keys("۴۵۶۷")  # the last digits, in Persian
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li.result"))
    browser.find_element(By.CSS_SELECTOR, "#search-results li.result").send_keys(Keys.ENTER)
    _wait(browser, lambda d: "Ali Rezaei" in d.find_element(By.ID, "card").text)
    _keys(browser, Keys.F4)
    _wait(browser, lambda d: d.find_element(By.ID, "customer-form").is_displayed())
    assert _focused(browser) == "cust-name"
    browser.find_element(By.ID, "cust-vip").click()
    browser.find_element(By.ID, "cust-merge").send_keys(str(dup))
    browser.find_element(By.ID, "cust-merge-go").click()
    _wait(browser, lambda d: "0935 111 2233" in d.find_element(By.ID, "card").text)
    _keys(browser, Keys.F4)
    browser.find_element(By.ID, "cust-vip").click()
    browser.find_element(By.ID, "cust-save").click()
    _wait(browser, lambda d: "VIP" in d.find_element(By.CSS_SELECTOR, ".card-head").text)
    conn = open_db(db_path(tmp))
    row = conn.execute("SELECT vip, blacklisted, notes FROM customers WHERE merged_into IS NULL "
                       "AND name = 'Ali Rezaei'").fetchone()
    assert tuple(row) == (1, 1, "2nd floor\ncalled from work")
    conn.close()

    csv = tmp / "streets.csv"
    csv.write_text("city,name\nTehran,بلوار کشاورز\nTehran\nTehran,میدان ونک\n", encoding="utf-8")
    browser.find_element(By.ID, "streets-file").send_keys(str(csv))
    browser.find_element(By.CSS_SELECTOR, "#streets-form button").click()
    report = browser.find_element(By.ID, "streets-report")
    _wait(browser, lambda d: "Line 3" in report.text)
    assert "1 streets added, 1 already in the list" in report.text


# ---------------------------------------------------------------- IVR self-order
@pytest.fixture
def web_ivr(office):
    toml = office_toml(office.sip_port, [("anna", "101", office.phone_ports[0], 17)],
                       rtp_port=office.rtp_port)
    toml = toml.replace('"0" = "queue:operator" }', '"0" = "queue:operator", "7" = "self_order" }')
    office.start_core(toml + '\n[desk]\ncity = "Tehran"\n')
    UserStore(office.data).add_user("anna", PASSWORD, "dispatcher")
    with DeskService(db_path(office.data), "IR").orders() as orders:
        earlier = orders.create({"number": "0912 123 4567", "pickup": "Vanak Square 12",
                                 "city": "Tehran", "name": "Ali"}, "anna")
        orders.transition(earlier["id"], "cancelled", "anna", reason="yesterday's test ride")
    server, context = _serve(create_app(load_toml(office.tmp / "callbox.toml"), office.data,
                                        office.control))
    yield f"http://127.0.0.1:{server.effective_port}"
    _close(server, context)


@pytest.mark.sip
def test_a_known_caller_orders_by_keypad_and_the_order_is_on_the_desk(office, web_ivr, browser):
    _sign_in(browser, web_ivr)
    _wait(browser, lambda d: office.control.status() is not None)
    assert not browser.find_elements(By.CSS_SELECTOR, "#open-orders tr")
    result, _ = sipp(office, "caller_keys.xml",
                     template={"wait1_ms": 1500, "wait2_ms": 3500, "talk_ms": 500,
                               "bye_ms": 15000, "voice": ""},
                     keys={"key1": PCAPS / "dtmf_2833_7.pcap", "key2": PCAPS / "dtmf_2833_1.pcap",
                           "key3": PCAPS / "dtmf_2833_5.pcap"})
    assert result.returncode == 0, result.stdout[-2000:]
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#open-orders tr"), 10)
    row = browser.find_element(By.CSS_SELECTOR, "#open-orders tr")
    assert "Vanak Square 12" in row.text and "New" in row.text
    with DeskService(db_path(office.data), "IR").orders() as orders:
        [placed] = orders.list(state="new")
    [record] = office.ended_records(1)
    assert (placed["created_by"], placed["call_id"], placed["pickup"]) == \
        ("ivr", record["call_id"], "Vanak Square 12")
    assert record["ivr_path"].startswith("main:7")


def test_the_persian_desk_reads_right_to_left_and_takes_a_jalali_date(stack, browser):
    url = stack["url"]
    _sign_in(browser, url)
    browser.get(url + "/lang/fa?next=/desk")
    _wait(browser, lambda d: d.find_elements(By.ID, "order-form"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert browser.find_element(By.ID, "new-order").text == "سفارش جدید (F2)"
    _keys(browser, Keys.F2)
    _wait(browser, lambda d: d.find_element(By.ID, "order-form").is_displayed())
    _keys(browser, "09121234567", Keys.TAB, Keys.TAB, "ولیعصر")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#pickup-list li"))
    _keys(browser, Keys.ENTER, Keys.TAB, Keys.TAB, Keys.TAB)
    assert _focused(browser) == "o-when"
    _keys(browser, "۱۴۰۶/۰۱/۱۲ ۱۸:۳۰")  # 12 Farvardin 1406 = 1 April 2027, Tehran time
    readback = browser.find_element(By.ID, "when-readback").text
    assert "۱۴۰۶" in readback and "۱۸:۳۰" in readback  # read back in Jalali, Persian digits
    _keys(browser, Keys.F9)
    _wait(browser, lambda d: "ثبت شد" in d.find_element(By.ID, "order-result").text)
    browser.save_screenshot("/tmp/callbox-desk-fa.png")
    conn = open_db(db_path(stack["tmp"]))
    order = dict(conn.execute("SELECT * FROM orders").fetchone())
    conn.close()
    assert (order["pickup"], order["state"], order["scheduled_for"]) == \
        ("خیابان ولیعصر", "scheduled", "2027-04-01T15:00:00.000000Z")


def test_a_refused_live_stream_is_said_and_the_desk_still_follows(stack, browser):
    stack["context"].streams.limit = 0  # every live stream is refused (503)
    _sign_in(browser, stack["url"])
    error = browser.find_element(By.ID, "desk-error")
    _wait(browser, lambda d: "Live updates are off" in error.text)
    with DeskService(db_path(stack["tmp"]), "IR").orders() as orders:
        oid = orders.create({"number": "09121234567", "pickup": "Azadi"}, "boris")["id"]
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f'tr[data-order="{oid}"]'), 8)
