"""The transfer state machine, pair by pair: every (phase, input) either has its row or
is refused, and every phase but done can be left."""

import itertools

import pytest

from appliance.transfer.machine import TRANSITIONS, Input, Phase, step

P, I = Phase, Input

EXPECTED = {
    (P.RINGING_BLIND, I.B_ANSWERED): (P.DONE, "hand_over"),
    (P.RINGING_BLIND, I.B_ENDED): (P.DONE, "give_back"),
    (P.RINGING_BLIND, I.B_TIMEOUT): (P.DONE, "give_back"),
    (P.RINGING_BLIND, I.A_ENDED): (P.RINGING_BLIND, "a_left"),
    (P.RINGING_BLIND, I.CALLER_ENDED): (P.DONE, "drop"),
    (P.RINGING_BLIND, I.CANCEL): (P.DONE, "give_back"),
    (P.RINGING_CONSULT, I.B_ANSWERED): (P.CONSULTING, "consult"),
    (P.RINGING_CONSULT, I.B_ENDED): (P.DONE, "give_back"),
    (P.RINGING_CONSULT, I.B_TIMEOUT): (P.DONE, "give_back"),
    (P.RINGING_CONSULT, I.A_ENDED): (P.RINGING_BLIND, "a_left"),
    (P.RINGING_CONSULT, I.CALLER_ENDED): (P.DONE, "drop"),
    (P.RINGING_CONSULT, I.COMPLETE): (P.RINGING_BLIND, "release_a"),
    (P.RINGING_CONSULT, I.CANCEL): (P.DONE, "give_back"),
    (P.CONSULTING, I.COMPLETE): (P.DONE, "hand_over"),
    (P.CONSULTING, I.CANCEL): (P.DONE, "give_back"),
    (P.CONSULTING, I.B_ENDED): (P.DONE, "give_back"),
    (P.CONSULTING, I.A_ENDED): (P.DONE, "hand_over"),
    (P.CONSULTING, I.CALLER_ENDED): (P.DONE, "drop"),
}


@pytest.mark.parametrize("phase,what", list(itertools.product(Phase, Input)))
def test_every_pair_has_its_row_or_is_refused(phase, what):
    if (phase, what) in EXPECTED:
        assert step(phase, what) == EXPECTED[(phase, what)]
    else:
        with pytest.raises(KeyError):
            step(phase, what)


def test_the_table_holds_nothing_more_and_done_is_final():
    assert TRANSITIONS == EXPECTED
    assert not any(phase == P.DONE for phase, _ in TRANSITIONS)


def test_the_caller_hanging_up_ends_every_live_phase():
    for phase in (P.RINGING_BLIND, P.RINGING_CONSULT, P.CONSULTING):
        assert step(phase, I.CALLER_ENDED) == (P.DONE, "drop")


def test_only_a_consultation_can_be_completed_or_connect_a_and_b():
    assert step(P.CONSULTING, I.COMPLETE)[1] == "hand_over"
    with pytest.raises(KeyError):
        step(P.RINGING_BLIND, I.COMPLETE)  # a blind transfer completes when B answers
