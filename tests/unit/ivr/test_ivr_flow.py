"""The IVR inside the call flow: greetings, languages, hours, reloads, self-service."""

from datetime import datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from appliance import events as ev
from appliance.config.model import IvrConfig, IvrHours, IvrMenu, IvrWeekly
from appliance.flow import CallFlow
from appliance.ivr.menu import MenuTree
from appliance.ivr.selfservice import SelfServiceFlow
from calllogic_fakes import make_acd, office_ivr, taxi_queue, wavs

CALLER = "+989121234567"
FRIDAY_NOON = datetime(2026, 12, 4, 8, 30, tzinfo=timezone.utc)  # 12:00 in Tehran


def lang_prompt(key: str, lang: str = "") -> str:
    return f"/prompts/{lang + '/' if lang else ''}{key}.wav"


class FakeVoicemail:
    def __init__(self):
        self.taken, self.calls = [], {}

    def take(self, call_id, caller, queue="", reason="ivr", language=""):
        self.taken.append((call_id, caller, reason, language))
        self.calls[call_id] = reason

    def owns(self, call_id):
        return call_id in self.calls

    def digit(self, call_id, digit):
        pass

    def prompt_finished(self, call_id, token):
        pass

    def hung_up(self, call_id, reason):
        self.calls.pop(call_id, None)


def build(bus, control, cfg=None, *, now=FRIDAY_NOON, night=False, tree=None):
    acd = make_acd(bus, control, [taxi_queue(), taxi_queue(name="office"),
                                  taxi_queue(name="dispatcher:ali", members=["ali"])])
    current = {"tree": tree or MenuTree(cfg or office_ivr(), ZoneInfo("Asia/Tehran"))}
    vm = FakeVoicemail()
    flow = CallFlow(lambda: current["tree"], acd, control, lang_prompt, bus, voicemail=vm,
                    now=lambda: now, night=lambda: night, direct={"dispatcher:ali"})
    bus.subscribe(flow.handle)
    return flow, vm, current


def offer(bus, call_id="c1"):
    bus.publish(ev.CallOffered(call_id=call_id, line="sip", kind="sip", caller=CALLER,
                               caller_raw="09121234567"))
    bus.publish(ev.CallAnswered(call_id=call_id))


def dtmf(bus, digit, call_id="c1"):
    bus.publish(ev.DtmfReceived(call_id=call_id, digit=digit, method="rfc2833"))


def prompt_ends(bus, control, call_id="c1"):
    bus.publish(ev.PromptFinished(call_id=call_id, token=control.last_play(call_id).token))


def test_an_empty_greeting_goes_straight_to_the_menu_prompt(bus, control):
    cfg = office_ivr()
    cfg.greeting = ""
    build(bus, control, cfg)
    offer(bus)
    assert control.plays_for("c1") == [(lang_prompt("main_menu"),)]


def test_the_caller_picks_a_language_and_hears_the_rest_in_it(bus, control):
    cfg = office_ivr()
    cfg.menus[0].options["8"] = "language:ru"
    cfg.menus[0].options["7"] = "language:fa:info"
    build(bus, control, cfg)
    offer(bus)
    dtmf(bus, "8")
    assert control.last_play("c1").files == (lang_prompt("main_menu", "ru"),)
    dtmf(bus, "3")  # the sub-menu, still in Russian
    assert control.last_play("c1").files == (lang_prompt("info_menu", "ru"),)
    dtmf(bus, "0")
    dtmf(bus, "7")  # Persian, and on to the info menu
    assert control.last_play("c1").files == (lang_prompt("info_menu", "fa"),)


def test_after_hours_callers_hear_closed_then_go_to_voicemail(bus, control):
    cfg = office_ivr()
    cfg.hours = IvrHours(weekly=[IvrWeekly(days=["sat"], from_="08:00", to="20:00")])
    _, vm, _ = build(bus, control, cfg)
    offer(bus)
    assert control.plays_for("c1") == [(lang_prompt("closed"),)]
    assert [e.step for e in bus.of(ev.IvrStepped)] == ["hours:closed"]
    dtmf(bus, "1")  # no menu after hours
    assert bus.of(ev.CallQueued) == []
    prompt_ends(bus, control)
    assert vm.taken == [("c1", CALLER, "closed", "en")]


def test_after_hours_hang_up_when_so_configured(bus, control):
    cfg = office_ivr()
    cfg.hours = IvrHours(holidays=["2026-12-04"], closed_action="hangup")
    flow, vm, _ = build(bus, control, cfg)
    offer(bus)
    prompt_ends(bus, control)
    assert control.last_play("c1").files == (lang_prompt("goodbye"),)
    prompt_ends(bus, control)
    assert control.hangups() == [("c1", 0)] and vm.taken == []
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="bye"))
    [end] = bus.of(ev.CallEnded)
    assert (end.disposition, end.hangup_cause, end.ended_by) == ("failed", "office closed", "box")


def test_the_night_switch_closes_the_office(bus, control):
    flow, vm, _ = build(bus, control, night=True)
    offer(bus)
    prompt_ends(bus, control)
    assert vm.taken == [("c1", CALLER, "closed", "en")]
    assert flow.status()["in_menu"] == [{"call_id": "c1", "caller": CALLER, "menu": "voicemail"}]


def test_a_new_tree_is_used_by_the_next_call_and_not_by_the_one_in_the_menu(bus, control):
    flow, vm, current = build(bus, control)
    offer(bus, "old")
    new = office_ivr()
    new.menus[0].options["1"] = "voicemail"
    current["tree"] = MenuTree(new, ZoneInfo("Asia/Tehran"), version=2)
    offer(bus, "new")
    dtmf(bus, "1", "old")
    dtmf(bus, "1", "new")
    assert [(e.call_id, e.queue) for e in bus.of(ev.CallQueued)] == [("old", "taxi")]
    assert [t[0] for t in vm.taken] == ["new"]


def test_ring_one_dispatcher_directly(bus, control):
    cfg = office_ivr()
    cfg.menus[0].options["5"] = "dispatcher:ali"
    build(bus, control, cfg)
    offer(bus)
    dtmf(bus, "5")
    assert [e.queue for e in bus.of(ev.CallQueued)] == ["dispatcher:ali"]
    assert [uri for _, uri in control.originated()] == ["sip:101@127.0.0.1:5071"]


class Desk:
    """The desk's SelfService port as the contract has it (a test double)."""

    def __init__(self, offer=None, status=None):
        self._offer, self._status, self.placed = offer, status, []

    def offer(self, caller):
        return self._offer

    def place_order(self, caller, call_id):
        self.placed.append((caller, call_id))
        return 42

    def status_text(self, caller):
        return self._status


def with_desk(bus, control, desk, spoken):
    cfg = office_ivr()
    cfg.menus[0].options.update({"7": "self_order", "8": "order_status"})
    flow, vm, _ = build(bus, control, cfg)
    flow.selfservice = SelfServiceFlow(desk, lambda text, out: spoken.append((text, out)),
                                       control, bus, lambda fn: fn(), flow.start_menu,
                                       "/tmp/callbox-test-selfservice", "en")
    return flow


def test_self_order_offers_the_last_address_and_places_the_order(bus, control):
    spoken = []
    desk = Desk(offer=SimpleNamespace(address="12 Vali-e Asr St", city="Tehran"))
    with_desk(bus, control, desk, spoken)
    offer(bus)
    dtmf(bus, "7")
    assert "12 Vali-e Asr St, Tehran" in spoken[0][0]
    assert control.last_play("c1").files == (spoken[0][1],)
    dtmf(bus, "1")
    assert desk.placed == [(CALLER, "c1")] and "order number 42" in spoken[1][0]
    prompt_ends(bus, control)
    assert control.hangups() == [("c1", 0)]
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="bye"))
    [end] = bus.of(ev.CallEnded)
    assert (end.disposition, end.hangup_cause) == ("answered", "self-service: order 42 placed")


def test_an_unknown_caller_gets_the_normal_menu(bus, control):
    spoken = []
    with_desk(bus, control, Desk(offer=None), spoken)
    offer(bus)
    dtmf(bus, "7")
    assert spoken == []
    assert control.last_play("c1").files == (lang_prompt("main_menu"),)
    dtmf(bus, "1")
    assert [e.queue for e in bus.of(ev.CallQueued)] == ["taxi"]


def test_order_status_is_spoken(bus, control):
    spoken = []
    with_desk(bus, control, Desk(status=("arriving", 7)), spoken)
    offer(bus)
    dtmf(bus, "8")
    assert spoken[0][0] == "Your order is on its way to you. The car will be with you in about 7 minutes."


def test_a_caller_waiting_for_an_absent_dispatcher_goes_to_voicemail(bus, control):
    from appliance.acd.acd import Acd
    from appliance.config.model import Config
    from appliance.ivr.direct import direct_queues
    from calllogic_fakes import dispatchers, prompt
    config = Config(dispatcher=dispatchers("ali"), queue=[taxi_queue(target_wait_s=40.0)])
    acd = Acd(config.queue + direct_queues(config), config.dispatcher, control, prompt, bus,
              bus.monotonic)
    cfg = office_ivr()
    cfg.menus[0].options["5"] = "dispatcher:ali"
    vm = FakeVoicemail()
    flow = CallFlow(MenuTree(cfg, ZoneInfo("Asia/Tehran")), acd, control, lang_prompt, bus,
                    voicemail=vm, now=lambda: FRIDAY_NOON, direct={"dispatcher:ali"})
    acd.router = lambda call_id, queue: flow.take_voicemail(call_id, queue=queue)
    bus.subscribe(flow.handle)
    acd.set_paused("ali", True)  # away from the desk
    offer(bus)
    dtmf(bus, "5")
    bus.advance(39)
    assert vm.taken == []
    bus.advance(2)
    assert vm.taken == [("c1", CALLER, "overflow", "")]
