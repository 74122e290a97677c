"""Ring-all with phones that answer at once: several dispatchers pick up the same caller
at the same moment. Exactly one is bridged; the others are hung up, free again, and
the callers still waiting are offered to them (issue #7 item 4)."""

from appliance import events as ev
from appliance.config.model import DispatcherConfig
from calllogic_fakes import make_acd, states, taxi_queue


def staff(n: int) -> list[DispatcherConfig]:
    return [DispatcherConfig(f"d{i:02d}", str(200 + i), f"sip:{200 + i}@127.0.0.1:{6000 + i}")
            for i in range(n)]


def answer_every_ringing_phone(acd, control, answered: set[str]) -> int:
    """Every phone that rings answers at once (SIPp phones do): all LegAnswered events of
    one round arrive before any hang-up of ours reached the phones."""
    ringing = [leg for leg, _ in control.originated() if leg not in answered]
    for leg in ringing:
        answered.add(leg)
    for leg in ringing:
        acd.leg_answered(leg)
    return len(ringing)


def test_24_callers_30_dispatchers_answering_at_once_all_bridged_once(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="ringall")], staff(30))
    for i in range(24):
        acd.enqueue(f"c{i:02d}", "taxi", f"+98912000{i:04d}")
    answered: set[str] = set()
    for _ in range(30):  # bounded: each round bridges at least one caller
        if not answer_every_ringing_phone(acd, control, answered):
            break
    bridged = bus.of(ev.CallBridged)
    assert sorted(e.call_id for e in bridged) == [f"c{i:02d}" for i in range(24)]
    assert len({e.dispatcher for e in bridged}) == 24  # one dispatcher per caller
    assert acd.waiting == {}
    assert sorted(states(acd).values()) == ["available"] * 6 + ["busy"] * 24
    # every leg that was placed is either bridged or hung up: none is left holding a slot
    kept = {leg for _, leg in control.bridges()}
    hung = {leg for leg, _ in control.hangups()}
    assert {leg for leg, _ in control.originated()} == kept | hung
    assert not kept & hung
    assert bus.of(ev.DispatcherNoAnswer) == []  # losing a race is not a missed call


def test_the_losers_are_offered_the_next_caller_at_once(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="ringall")], staff(3))
    acd.enqueue("c1", "taxi", "")
    acd.enqueue("c2", "taxi", "")  # nobody is free for c2 yet: all three ring for c1
    legs = [leg for leg, _ in control.originated()]
    assert len(legs) == 3
    acd.leg_answered(legs[1])
    offered = [e for e in bus.of(ev.DispatcherRinging) if e.call_id == "c2"]
    assert sorted(e.dispatcher for e in offered) == ["d00", "d02"]
    assert states(acd) == {"d00": "ringing", "d01": "busy", "d02": "ringing"}
