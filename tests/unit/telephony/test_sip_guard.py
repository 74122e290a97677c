"""The SIP guard decides before pjsua allocates anything: who may talk, how fast, who is banned."""

import pytest

from appliance.telephony.sip.guard import Action, GuardPolicy, SipGuard, SipRequest, allowed_networks


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def guard(clock=None, **kw):
    policy = dict(allowed=allowed_networks(["192.168.1.0/24", "127.0.0.0/8"]),
                  trunks=frozenset({"203.0.113.5"}), phones={"101": "192.168.1.21"},
                  rate_per_s=5, burst=10, strikes_to_ban=5, ban_s=60,
                  call_rate_per_s=100, call_burst=100)
    policy.update(kw)
    return SipGuard(GuardPolicy(**policy), clock or Clock())


def invite(source, **kw):
    return SipRequest(source=source, method="INVITE", from_user=kw.pop("user", "0912"), **kw)


def test_lan_caller_passes_and_an_outsider_is_dropped_without_an_answer():
    g = guard()
    assert g.check(invite("192.168.1.50")).passes
    outsider = g.check(invite("198.51.100.9"))
    assert outsider.action is Action.DROP and outsider.reason == "not allowed"


def test_trunk_passes_from_outside_the_lan_and_is_not_rate_limited_per_source():
    g = guard()
    assert all(g.check(invite("203.0.113.5")).passes for _ in range(50))


def test_flood_from_one_source_gets_503_then_a_ban_and_silence():
    clock = Clock()
    g = guard(clock)
    answers = [g.check(invite("127.0.0.2")) for _ in range(40)]
    assert all(a.passes for a in answers[:10])  # the burst
    assert answers[10].action is Action.RESPOND and answers[10].code == 503
    assert all(a.action is Action.DROP and a.reason == "banned" for a in answers[15:])
    [ban] = g.bans()
    assert ban["address"] == "127.0.0.2" and ban["reason"] == "flood" and ban["dropped"] == 25
    assert g.check(invite("127.0.0.1")).passes, "another source is unaffected"
    clock.t += 61
    assert g.bans() == [] and g.check(invite("127.0.0.2")).passes, "the ban expires"


def test_unban_lifts_a_ban_at_once():
    g = guard()
    g.check(SipRequest(source="127.0.0.9", method="OPTIONS", user_agent="friendly-scanner"))
    assert [b["address"] for b in g.bans()] == ["127.0.0.9"]
    assert g.unban("127.0.0.9") and not g.unban("127.0.0.9")
    assert g.check(invite("127.0.0.9")).passes


def test_scanner_user_agent_is_banned_at_once():
    g = guard()
    d = g.check(SipRequest(source="192.168.1.66", method="OPTIONS", user_agent="sipvicious 0.3"))
    assert d.action is Action.DROP and g.bans()[0]["reason"] == "scanner"


def test_tokens_come_back_with_time():
    clock = Clock()
    g = guard(clock, strikes_to_ban=100)
    for _ in range(10):
        assert g.check(invite("127.0.0.3")).passes
    assert not g.check(invite("127.0.0.3")).passes
    clock.t += 1.0
    assert sum(g.check(invite("127.0.0.3")).passes for _ in range(10)) == 5


def test_dispatcher_extension_from_another_address_is_refused():
    g = guard()
    assert g.check(invite("192.168.1.21", user="101")).passes
    d = g.check(invite("192.168.1.77", user="101"))
    assert (d.action, d.code) == (Action.RESPOND, 403)


def test_pinned_phone_is_allowed_even_outside_the_allow_list():
    g = guard(allowed=allowed_networks(["10.0.0.0/8"]))
    assert g.check(invite("192.168.1.21", user="101")).passes


def test_repeated_register_attempts_are_refused_and_banned():
    g = guard()
    codes = [g.check(SipRequest(source="127.0.0.4", method="REGISTER")) for _ in range(6)]
    assert [c.code for c in codes[:5]] == [403] * 5
    assert codes[5].action is Action.DROP and g.bans()[0]["reason"] == "REGISTER refused"


@pytest.mark.parametrize("method", ["ACK", "BYE", "CANCEL"])
def test_dialog_requests_pass_without_taking_tokens(method):
    g = guard(burst=1)
    assert all(g.check(SipRequest(source="127.0.0.5", method=method)).passes for _ in range(20))
    assert g.check(invite("127.0.0.5")).passes


def test_in_dialog_request_of_a_banned_source_is_dropped():
    g = guard()
    g.check(SipRequest(source="127.0.0.6", method="OPTIONS", user_agent="friendly-scanner"))
    assert g.check(SipRequest(source="127.0.0.6", method="BYE", to_tag=True)).action is Action.DROP


def test_box_wide_invite_rate_answers_503_and_bans_nobody():
    g = guard(call_rate_per_s=2, call_burst=3)
    sources = [f"127.0.1.{i}" for i in range(10)]
    answers = [g.check(invite(s)) for s in sources]
    assert sum(a.passes for a in answers) == 3
    assert {a.code for a in answers[3:]} == {503} and g.bans() == []
    assert g.stats()["shed"] == {"box rate": 7}


def test_maddr_in_via_is_dropped_before_anything_else():
    g = guard()
    assert g.check(invite("127.0.0.1", via_maddr=True)).action is Action.DROP


def test_many_sources_do_not_grow_memory_without_bound():
    from appliance.telephony.sip import guard as module
    g = guard(allowed=allowed_networks(["10.0.0.0/8"]))
    for i in range(module.MAX_TRACKED_SOURCES + 500):
        g.check(invite(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"))
    assert len(g._sources) <= module.MAX_TRACKED_SOURCES


def test_trusted_peer_is_allowed_and_not_limited_per_source():
    g = guard(allowed=allowed_networks(["10.0.0.0/8"]), trusted=allowed_networks(["192.0.2.0/24"]))
    assert all(g.check(invite("192.0.2.7")).passes for _ in range(50))
