"""The call state machine: one table, repeats harmless, unknown pairs raise."""

import pytest

from appliance.telephony.gsm.calls import TRANSITIONS, CallMachine, CallState, UnexpectedInput


def run(*inputs):
    actions = []
    m = CallMachine(lambda action, data: actions.append(action))
    for name in inputs:
        m.fire(name)
    return m.state, actions


def test_inbound_rings_twice_and_is_offered_once():
    state, actions = run("ring", "clip", "ring", "clip", "ring")
    assert state is CallState.OFFERED
    assert [a for a in actions if a != "rang"] == ["wait_clip", "offer"]  # offered once


def test_clip_before_ring_offers_at_once():
    assert run("clip", "ring") == (CallState.OFFERED, ["offer", "rang"])


def test_no_caller_id_offers_after_the_wait():
    assert run("ring", "clip_timeout", "ring") == (CallState.OFFERED,
                                                   ["wait_clip", "offer", "rang"])


def test_rings_that_stop_end_the_ringing_call_as_missed():
    assert run("clip", "ring", "ring_gap") == (CallState.IDLE, ["offer", "rang", "missed"])
    assert run("ring", "ring_gap")[1] == ["wait_clip", "missed"]


def test_a_ring_gap_after_answering_changes_nothing():
    state, actions = run("clip", "answer", "answered", "ring_gap")
    assert state is CallState.ACTIVE and "missed" not in actions


def test_call_waiting_is_shown_during_a_call_and_ignored_otherwise():
    state, actions = run("clip", "answer", "answered", "waiting", "waiting_gone")
    assert actions[-2:] == ["call_waiting", "waiting_gone"]
    assert run("waiting") == (CallState.IDLE, [])


def test_answered_call_sees_dtmf_and_ends_once():
    state, actions = run("clip", "answer", "answered", "connected", "dtmf", "ended", "ended")
    assert state is CallState.IDLE
    assert actions == ["offer", "answer", "connected_in", "dtmf", "ended_in"]


def test_outbound_progress():
    state, actions = run("dial", "dialing", "alerting", "alerting", "connected", "ended")
    assert actions == ["dial", "leg_ringing", "connected_out", "ended_out"]


def test_modem_loss_ends_any_call():
    for states in (("clip",), ("clip", "answer", "answered"), ("dial", "alerting")):
        state, actions = run(*states, "lost")
        assert state is CallState.IDLE and actions[-1] in ("ended_in", "ended_out")


def test_unknown_pair_raises():
    with pytest.raises(UnexpectedInput):
        run("clip", "answer", "answer")


def test_table_fits_on_a_screen_and_every_action_exists():
    from appliance.telephony.gsm.callflow import CallFlow

    assert len({k[0] for k in TRANSITIONS}) == len(CallState)
    for _, action in TRANSITIONS.values():
        assert action is None or hasattr(CallFlow, f"_do_{action}")
