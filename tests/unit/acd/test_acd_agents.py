"""A dispatcher's states and who is chosen to ring: pure tables and functions."""

import pytest

from appliance.acd.agents import AGENT_TRANSITIONS, Agent, AgentState, AgentTrigger
from appliance.acd.strategies import (STRATEGIES, fewest_calls, longest_idle, ring_all,
                                      round_robin, skills)

S, T = AgentState, AgentTrigger


def agent(name="ali", state=S.AVAILABLE, idle_since=0.0) -> Agent:
    return Agent(name, "101", "sip:101@127.0.0.1", state=state, idle_since=idle_since)


def test_a_call_walks_ringing_busy_wrapup_available():
    a = agent()
    assert [a.fire(t) for t in (T.OFFER, T.ANSWER, T.HANGUP, T.WRAPPED)] == [
        S.RINGING, S.BUSY, S.WRAPUP, S.AVAILABLE]


def test_an_unanswered_offer_frees_the_dispatcher():
    a = agent()
    a.fire(T.OFFER)
    assert a.fire(T.NO_ANSWER) is S.AVAILABLE


@pytest.mark.parametrize("start, trigger, end", [
    (S.AVAILABLE, T.PAUSE, S.PAUSED),
    (S.WRAPUP, T.PAUSE, S.PAUSED),
    (S.PAUSED, T.RESUME, S.AVAILABLE),
    (S.PAUSED, T.PAUSE, S.PAUSED),
    (S.AVAILABLE, T.RESUME, S.AVAILABLE),
    (S.PAUSED, T.WRAPPED, S.PAUSED),
    (S.AVAILABLE, T.LOGOUT, S.OFFLINE),
    (S.OFFLINE, T.LOGIN, S.AVAILABLE),
])
def test_pause_and_login_transitions(start, trigger, end):
    assert agent(state=start).fire(trigger) is end


@pytest.mark.parametrize("start, trigger", [
    (S.BUSY, T.OFFER),  # never offer a second caller to someone on a call
    (S.RINGING, T.OFFER),
    (S.PAUSED, T.OFFER),
    (S.OFFLINE, T.OFFER),
    (S.AVAILABLE, T.ANSWER),
    (S.WRAPUP, T.OFFER),
])
def test_an_unknown_transition_raises_and_keeps_the_state(start, trigger):
    a = agent(state=start)
    with pytest.raises(RuntimeError, match=f"dispatcher ali: no transition {start}/{trigger}"):
        a.fire(trigger)
    assert a.state is start


def test_only_a_free_dispatcher_can_be_offered_a_caller():
    offerable = {state for (state, trigger) in AGENT_TRANSITIONS if trigger is T.OFFER}
    assert offerable == {S.AVAILABLE}


def test_ring_all_rings_every_free_dispatcher():
    free = [agent("ali"), agent("sara"), agent("reza")]
    assert [a.name for a in ring_all(free)] == ["ali", "sara", "reza"]
    assert ring_all([]) == []


def test_longest_idle_picks_who_has_been_free_longest():
    free = [agent("ali", idle_since=30.0), agent("sara", idle_since=10.0),
            agent("reza", idle_since=20.0)]
    assert [a.name for a in longest_idle(free)] == ["sara"]


def test_longest_idle_breaks_ties_by_name_and_handles_no_one():
    free = [agent("sara", idle_since=5.0), agent("ali", idle_since=5.0)]
    assert [a.name for a in longest_idle(free)] == ["ali"]
    assert longest_idle([]) == []


def test_strategies_are_known_by_their_config_names():
    assert STRATEGIES == {"ringall": ring_all, "longest-idle": longest_idle,
                          "round-robin": round_robin, "fewest-calls": fewest_calls,
                          "skills": skills}
