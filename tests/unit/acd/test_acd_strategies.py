"""Each strategy's offering order with several dispatchers, driven through the Acd."""

from appliance import events as ev
from appliance.config.model import DispatcherConfig
from calllogic_fakes import make_acd, taxi_queue


def staff(*names: str, skills: dict[str, dict[str, int]] | None = None):
    skills = skills or {}
    return [DispatcherConfig(n, str(101 + i), f"sip:{101 + i}@127.0.0.1:{5071 + i}",
                             skills=skills.get(n, {})) for i, n in enumerate(names)]


def rung(bus) -> list[str]:
    return [e.dispatcher for e in bus.of(ev.DispatcherRinging)]


def serve(acd, control, bus, calls: int) -> list[str]:
    """Callers arrive one by one; whoever rings answers and hangs up; wrap-up passes."""
    order = []
    for i in range(calls):
        bus.clear()
        acd.enqueue(f"c{i}", "taxi", "")
        who = rung(bus)
        order.append(",".join(who))
        acd.leg_answered(control.originated()[-1][0])
        bus.advance(10)
        acd.caller_hung_up(f"c{i}", "BYE")
        bus.advance(6)  # wrap-up over
    return order


def test_ring_all_rings_everyone_free(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="ringall")], staff("ali", "sara", "reza"))
    acd.enqueue("c1", "taxi", "")
    assert rung(bus) == ["ali", "sara", "reza"]


def test_round_robin_goes_round_in_config_order(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="round-robin")], staff("ali", "sara", "reza"))
    assert serve(acd, control, bus, 4) == ["ali", "sara", "reza", "ali"]


def test_longest_idle_offers_who_waited_longest(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="longest-idle")], staff("ali", "sara", "reza"))
    # all free since start-up: ties go by name; then whoever finished longest ago
    assert serve(acd, control, bus, 4) == ["ali", "reza", "sara", "ali"]
    acd.set_paused("sara", True)
    bus.advance(1)
    acd.set_paused("sara", False)  # sara is free only since now: reza idled longest
    bus.clear()
    acd.enqueue("x", "taxi", "")
    assert rung(bus) == ["reza"]


def test_fewest_calls_offers_who_answered_least(bus, control):
    acd = make_acd(bus, control, [taxi_queue(strategy="fewest-calls")], staff("ali", "sara", "reza"))
    acd.agents["ali"].calls_answered = 5
    acd.agents["sara"].calls_answered = 1
    acd.agents["reza"].calls_answered = 3
    assert serve(acd, control, bus, 3) == ["sara", "sara", "reza"]


def test_skills_ring_the_lowest_penalty_first_then_the_next(bus, control):
    people = staff("ali", "sara", "reza", skills={"ali": {"taxi": 2}, "sara": {"taxi": 0},
                                                  "reza": {"taxi": 1}})
    acd = make_acd(bus, control, [taxi_queue(strategy="skills", ring_timeout_s=10)], people)
    acd.enqueue("c1", "taxi", "")
    assert rung(bus) == ["sara"]
    bus.advance(10)  # sara lets it ring out: the next best
    assert rung(bus) == ["sara", "reza"]
    bus.advance(10)
    assert rung(bus) == ["sara", "reza", "ali"]


def test_penalties_also_order_ring_all(bus, control):
    people = staff("ali", "sara", "reza", skills={"ali": {"taxi": 1}})
    acd = make_acd(bus, control, [taxi_queue(strategy="ringall")], people)
    acd.enqueue("c1", "taxi", "")
    assert rung(bus) == ["sara", "reza"]  # ali (penalty 1) only when they are not free


def test_a_skill_makes_a_dispatcher_a_member_of_another_queue(bus, control):
    people = staff("ali", "sara", skills={"sara": {"office": 0}})
    acd = make_acd(bus, control, [taxi_queue(members=["ali"]),
                                  taxi_queue(name="office", members=["ali"])], people)
    assert acd.agents["sara"].queues == {"office"}
    acd.set_paused("ali", True)
    acd.enqueue("c1", "office", "")
    assert rung(bus) == ["sara"]
