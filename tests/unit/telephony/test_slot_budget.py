"""Call-slot budget: a SIP caller is admitted only when a slot for its dispatcher's
leg is there too, so no caller waits in a queue that can never reach anyone."""

import pytest

from appliance.telephony.sip.admission import SlotBudget

# 4 slots (the PyPI pjsua2 wheel's PJSUA_MAX_CALLS). in_use counts callers and legs.
ADMIT_RESERVED = [
    # in_use, callers_without_leg, admitted, situation
    (0, 0, True, "idle box"),
    (1, 1, True, "one caller waiting: its leg's slot stays reserved, a second fits"),
    (2, 2, False, "two callers waiting: all four slots spoken for"),
    (2, 0, True, "one conversation (caller + leg): a second conversation fits"),
    (3, 1, False, "one conversation + one waiting caller"),
    (3, 0, False, "one conversation + a GSM caller's ringing leg"),
    (4, 0, False, "two conversations: full"),
    (1, 0, True, "a GSM caller's dispatcher leg only"),
]


@pytest.mark.parametrize("in_use, without_leg, admitted, situation", ADMIT_RESERVED,
                         ids=[row[3] for row in ADMIT_RESERVED])
def test_admission_with_a_reserved_dispatcher_slot(in_use, without_leg, admitted, situation):
    assert SlotBudget(4).admit_sip_caller(in_use, without_leg) is admitted


ADMIT_PLAIN = [(0, 0, True), (2, 2, True), (3, 3, True), (3, 0, True), (4, 0, False), (4, 4, False)]


@pytest.mark.parametrize("in_use, without_leg, admitted", ADMIT_PLAIN)
def test_admission_without_reservation_only_counts_slots(in_use, without_leg, admitted):
    budget = SlotBudget(4, reserve_dispatcher_slot=False)
    assert budget.admit_sip_caller(in_use, without_leg) is admitted


LEGS_RESERVED = [
    # in_use, other_callers_without_leg, allowed, situation
    (1, 0, True, "the only caller rings its dispatcher"),
    (2, 1, True, "two callers waiting: the first one's leg"),
    (3, 1, False, "a second ring-all leg would eat the other caller's slot"),
    (3, 0, True, "a second ring-all leg when nobody else waits"),
    (4, 0, False, "no slot at all"),
    (0, 3, True, "GSM callers waiting: one leg fits"),
    (1, 3, False, "GSM callers waiting: the rest are theirs"),
]


@pytest.mark.parametrize("in_use, others, allowed, situation", LEGS_RESERVED,
                         ids=[row[3] for row in LEGS_RESERVED])
def test_a_leg_never_takes_another_callers_reserved_slot(in_use, others, allowed, situation):
    assert SlotBudget(4).allow_leg(in_use, others) is allowed


@pytest.mark.parametrize("in_use, others, allowed", [(3, 3, True), (4, 0, False), (0, 9, True)])
def test_legs_without_reservation_only_count_slots(in_use, others, allowed):
    assert SlotBudget(4, reserve_dispatcher_slot=False).allow_leg(in_use, others) is allowed


def test_a_full_box_admits_exactly_two_conversations():
    """Callers arrive one by one and each is answered by a dispatcher: 2 of 4 get in."""
    budget, in_use, admitted = SlotBudget(4), 0, 0
    for _ in range(5):
        if budget.admit_sip_caller(in_use, 0):
            in_use += 1  # the caller ...
            assert budget.allow_leg(in_use, 0)
            in_use += 1  # ... and its dispatcher's leg
            admitted += 1
    assert (admitted, in_use) == (2, 4)


def test_an_engine_without_slots_admits_no_one():
    assert not SlotBudget(0).admit_sip_caller(0, 0)
    assert not SlotBudget(1).admit_sip_caller(0, 0)  # no room for the dispatcher's leg
    assert SlotBudget(1, reserve_dispatcher_slot=False).admit_sip_caller(0, 0)
