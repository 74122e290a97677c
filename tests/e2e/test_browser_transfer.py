"""A real Chromium: a dispatcher transfers their call from the live page — picks who,
clicks Consult, sees the consultation, clicks Complete transfer — and from the desk.
The core behind the control socket records the actions and changes its status like
the real one."""

from __future__ import annotations

import threading

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from appliance.auth import UserStore
from appliance.config.model import Config, DispatcherConfig, OfficeConfig
from appliance.control import ControlServer, socket_path
from appliance.events import CallTransferred, EventBus, TransferFailed, TransferStarted
from web import create_app, make_server

pytestmark = pytest.mark.browser


class Core:
    def __init__(self, bus: EventBus):
        self.bus = bus
        self.asked: list[tuple[str, dict]] = []
        self.status = {
            "lines": [], "queues": [], "in_menu": [], "lamps": [], "alarms": [], "transfers": [],
            "capacity": {"total": 8, "used": 2},
            "dispatchers": [{"name": "anna", "state": "busy", "on_call": "c1"},
                            {"name": "boris", "state": "available", "on_call": None},
                            {"name": "carla", "state": "paused", "on_call": None}]}

    def transfer(self, args: dict) -> dict:
        self.asked.append(("transfer", args))
        moving = {"call_id": args["call_id"], "mode": args["mode"], "from": "anna",
                  "to": args["to"], "state": "consulting", "from_leg_gone": False}
        self.status["transfers"] = [moving]
        self.status["dispatchers"][1]["state"] = "busy"
        self.bus.publish(TransferStarted(call_id="c1", from_dispatcher="anna",
                                         to_dispatcher=args["to"], mode=args["mode"]))
        return moving

    def desk(self, args: dict) -> dict:
        if self.status["dispatchers"][0]["on_call"] != "c1":
            return {"state": "idle", "call": None}
        return {"state": "talking", "call": {"call_id": "c1", "caller": "+989121234567",
                                             "line": "gsm1", "queue": "taxi", "direction": "in",
                                             "since": "2026-12-02T10:00:00Z", "state": "talking"}}

    def cancel(self, args: dict) -> dict:
        self.asked.append(("transfer_cancel", args))
        self.status["transfers"] = []
        self.status["dispatchers"][1]["state"] = "available"
        self.bus.publish(TransferFailed(call_id="c1", from_dispatcher="anna", to_dispatcher="boris",
                                        mode="blind", reason="cancelled", returned_to="anna"))
        return {"state": "done"}

    def complete(self, args: dict) -> dict:
        self.asked.append(("transfer_complete", args))
        self.status["transfers"] = []
        people = self.status["dispatchers"]
        people[0].update(state="wrapup", on_call=None)
        people[1].update(on_call="c1")
        self.bus.publish(CallTransferred(call_id="c1", from_dispatcher="anna",
                                         to_dispatcher="boris", mode="attended"))
        return {"state": "done"}


@pytest.fixture
def stack(tmp_path):
    bus = EventBus()
    core = Core(bus)
    control = ControlServer(socket_path(tmp_path), lambda: core.status,
                            {"transfer": core.transfer, "transfer_complete": core.complete,
                             "transfer_cancel": core.cancel, "desk": core.desk},
                            heartbeat_s=1.0)
    bus.subscribe(control.handle_event)
    bus.start()
    control.start()
    config = Config(office=OfficeConfig(name="Tehran Taxi", language="en",
                                        timezone="Asia/Tehran", country="IR"),
                    dispatcher=[DispatcherConfig("anna", "101", "local"),
                                DispatcherConfig("boris", "102", "local"),
                                DispatcherConfig("carla", "103", "local")])
    app = create_app(config, tmp_path)
    context = app.extensions["callbox"]
    context.sse_retry_s = context.sse_heartbeat_s = 0.2
    UserStore(tmp_path).add_user("anna", "pa55word", "dispatcher", dispatcher="anna")
    server = make_server(app, "127.0.0.1", 0, threads=6)
    threading.Thread(target=server.run, daemon=True).start()
    yield core, f"http://127.0.0.1:{server.effective_port}", control
    server.close()
    control.stop()
    bus.stop()


def _wait(driver, predicate, timeout=5.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)
                         ).until(lambda d: predicate(d))


def _in(driver, name, css):
    return driver.find_elements(By.CSS_SELECTOR, f'[data-dispatcher="{name}"] {css}')


def _click(driver, name, css):
    def click(d):  # a refresh may redraw the panel between finding and clicking: retry
        _in(d, name, css)[0].click()
        return True
    _wait(driver, click)


def _text(driver, name, css):
    return _wait(driver, lambda d: [e.text for e in _in(d, name, css)])


def _sign_in(browser, url, page="/"):
    browser.get(url + page)
    browser.find_element(By.NAME, "username").send_keys("anna")
    browser.find_element(By.NAME, "password").send_keys("pa55word")
    browser.find_element(By.CSS_SELECTOR, "form.login-box button").click()


def test_a_dispatcher_consults_then_completes_the_transfer(stack, browser):
    core, url, control = stack
    _sign_in(browser, url)
    _wait(browser, lambda d: _in(d, "anna", ".transfer-consult"))
    _wait(browser, lambda d: control.subscriber_count == 1)
    assert _wait(browser, lambda d: [o.text for o in Select(
        _in(d, "anna", ".transfer-pick")[0]).options]) == ["boris"]  # only free dispatchers
    assert not _in(browser, "boris", ".transfer-box")  # not anna's to move
    assert _text(browser, "anna", ".transfer-blind") == ["Transfer"]
    _click(browser, "anna", ".transfer-consult")
    _wait(browser, lambda d: _in(d, "anna", ".transfer-complete"))
    assert core.asked == [("transfer", {"call_id": "c1", "to": "boris", "mode": "attended"})]
    assert _text(browser, "anna", ".transfer-state") == ["Talking to boris; the caller is on hold"]
    assert _text(browser, "anna", ".transfer-cancel") == ["Cancel"]
    _click(browser, "anna", ".transfer-complete")
    _wait(browser, lambda d: not _in(d, "anna", ".transfer-box"))
    assert core.asked[-1] == ("transfer_complete", {"call_id": "c1"})
    assert _text(browser, "anna", ".badge") != ["Busy"]


def test_the_desk_transfers_its_call_and_cancels(stack, browser):
    core, url, control = stack
    _sign_in(browser, url, "/desk")
    box = '#desk-transfer'
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, box + " .transfer-blind"))
    assert _wait(browser, lambda d: [o.text for o in Select(
        d.find_element(By.CSS_SELECTOR, box + " .transfer-pick")).options]) == ["boris"]

    def click(css):
        _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, css).click() or True)
    click(box + " .transfer-blind")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, box + " .transfer-cancel"))
    assert core.asked == [("transfer", {"call_id": "c1", "to": "boris", "mode": "blind"})]
    assert not browser.find_elements(By.CSS_SELECTOR, box + " .transfer-complete")  # attended only
    click(box + " .transfer-cancel")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, box + " .transfer-blind"))
    assert core.asked[-1] == ("transfer_cancel", {"call_id": "c1"})
