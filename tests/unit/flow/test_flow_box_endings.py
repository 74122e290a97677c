"""Calls the box or its line ended (issue #8 item 3): a timeout (no ACK, no RTP, silence,
max duration), the menu's no-input fallback, a GSM modem failing under the call. Their
records say so — never "caller hung up"."""

import pytest

from appliance import events as ev
from appliance.endings import box_ended
from calllogic_fakes import leg_to, make_acd, make_flow, taxi_queue
from test_flow_routing import dtmf, ended, offer, prompt_ends

LINE_LOST = "port lost: [Errno 5] Input/output error"


@pytest.fixture
def acd(bus, control):
    return make_acd(bus, control, [taxi_queue(), taxi_queue(name="office")])


@pytest.fixture
def flow(bus, control, acd):
    return make_flow(bus, control, acd)


@pytest.mark.parametrize("code,reason,cause,failed", [
    (200, "timeout: no ACK", "timeout: no ACK", False),
    (408, "timeout: max duration", "timeout: max duration", False),
    (41, LINE_LOST, f"line failed: {LINE_LOST}", True),
    (41, "modem restarted (RDY)", "line failed: modem restarted (RDY)", True),
])
def test_box_or_line_endings_are_told_apart(code, reason, cause, failed):
    cut = box_ended(code, reason)
    assert (cut.cause, cut.failed) == (cause, failed)


@pytest.mark.parametrize("code,reason", [(200, "BYE"), (16, "normal call clearing"),
                                         (487, "Request Terminated")])
def test_a_caller_hanging_up_is_not_a_box_ending(code, reason):
    assert box_ended(code, reason) is None


@pytest.mark.parametrize("code,reason,cause", [
    (200, "timeout: no ACK", "timeout: no ACK"),
    (200, "timeout: no RTP", "timeout: no RTP"),
    (200, "timeout: max duration", "timeout: max duration"),
    (41, LINE_LOST, f"line failed: {LINE_LOST}"),
])
def test_a_call_cut_in_the_menu_is_failed_with_its_cause(bus, control, flow, code, reason, cause):
    offer(bus)
    prompt_ends(bus, control)
    bus.publish(ev.CallHungUp(call_id="c1", code=code, reason=reason))
    assert ended(bus) == [("c1", "failed", cause, "box")]
    assert flow.status()["in_menu"] == []


def test_no_input_until_the_menu_hangs_up_says_so(bus, control, flow):
    offer(bus)
    dtmf(bus, "3")  # info: 4 s, 1 retry, default hangup
    for _ in range(2):
        prompt_ends(bus, control)
        bus.advance(4)
    prompt_ends(bus, control)  # the goodbye
    assert control.hangups() == [("c1", 0)]
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="we hung up"))
    assert ended(bus) == [("c1", "failed", "menu: no input", "box")]


def test_a_wrong_digit_until_the_menu_hangs_up_is_not_no_input(bus, control, flow):
    offer(bus)
    dtmf(bus, "3")
    dtmf(bus, "7")
    dtmf(bus, "7")  # invalid twice: the default (hangup)
    prompt_ends(bus, control)
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="we hung up"))
    assert ended(bus) == [("c1", "failed", "menu: hang up", "box")]


@pytest.mark.parametrize("code,reason,cause", [
    (200, "timeout: no RTP", "timeout: no RTP"),
    (41, LINE_LOST, f"line failed: {LINE_LOST}"),
])
def test_a_call_cut_while_waiting_is_failed(bus, control, acd, flow, code, reason, cause):
    offer(bus)
    dtmf(bus, "1")
    bus.publish(ev.CallHungUp(call_id="c1", code=code, reason=reason))
    assert ended(bus) == [("c1", "failed", cause, "box")]
    assert not acd.owns("c1")


@pytest.mark.parametrize("code,reason,record", [
    (200, "timeout: max duration", ("c1", "answered", "timeout: max duration", "box")),
    (200, "timeout: silence", ("c1", "answered", "timeout: silence", "box")),
    (41, LINE_LOST, ("c1", "failed", f"line failed: {LINE_LOST}", "box")),
])
def test_a_conversation_cut_by_the_box_or_line_says_so(bus, control, acd, flow, code, reason,
                                                       record):
    offer(bus)
    dtmf(bus, "1")
    ali = leg_to(control, "ali")
    bus.publish(ev.LegAnswered(leg_id=ali))
    bus.publish(ev.CallHungUp(call_id="c1", code=code, reason=reason))
    assert (ali, 0) in control.hangups()
    bus.publish(ev.LegEnded(leg_id=ali, code=200, reason="we hung up"))
    assert ended(bus) == [record]


def test_a_dispatcher_leg_timed_out_is_not_the_dispatcher_hanging_up(bus, control, acd, flow):
    offer(bus)
    dtmf(bus, "1")
    sara = leg_to(control, "sara")
    bus.publish(ev.LegAnswered(leg_id=sara))
    bus.publish(ev.LegEnded(leg_id=sara, code=200, reason="timeout: silence"))
    bus.publish(ev.CallHungUp(call_id="c1", code=200, reason="timeout: silence"))
    assert ended(bus) == [("c1", "answered", "timeout: silence", "box")]
