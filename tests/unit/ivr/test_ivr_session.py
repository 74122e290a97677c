"""One caller in the menu: what they hear, where their digits take them, when time runs out.

The session is driven as the call flow drives it (prompt finished, digit, timer);
playback goes to a recording FakeControl and timers to a hand-driven bus.
"""

import pytest

from appliance import events as ev
from appliance.config.model import IvrConfig, IvrMenu
from appliance.ivr.menu import Action, MenuTree
from appliance.ivr.session import TRANSITIONS, IvrSession, State, Trigger
from calllogic_fakes import office_ivr, prompt, wavs

CALL = "c1"


class Caller:
    """A session plus what it routed to."""

    def __init__(self, bus, control, config: IvrConfig | None = None):
        self.bus, self.control = bus, control
        self.routed: list[tuple[str, Action]] = []
        self.session = IvrSession(CALL, MenuTree(config or office_ivr()), control, prompt, bus,
                                  bus.publish, lambda call_id, a: self.routed.append((call_id, a)))

    def start(self) -> "Caller":
        self.session.start()
        return self

    def heard(self) -> list[tuple[str, ...]]:
        return self.control.plays_for(CALL)

    def prompt_ends(self) -> None:
        """The prompt playing now reaches its end."""
        self.session.prompt_finished(self.control.last_play(CALL).token)

    def steps(self) -> list[str]:
        return [e.step for e in self.bus.of(ev.IvrStepped)]


@pytest.fixture
def caller(bus, control) -> Caller:
    return Caller(bus, control).start()


def test_caller_hears_greeting_then_menu_in_one_playback(caller):
    assert caller.heard() == [wavs("welcome", "main_menu")]
    assert caller.session.state is State.PROMPTING
    assert caller.routed == []


def test_digit_during_the_greeting_barges_in_and_routes_at_once(caller):
    caller.session.digit("1")
    assert caller.routed == [(CALL, Action("queue", "taxi"))]
    assert caller.steps() == ["main:1"]
    step = caller.bus.of(ev.IvrStepped)[0]
    assert (step.call_id, step.node) == (CALL, "main")
    assert caller.session.state is State.ROUTED


def test_digit_after_the_menu_routes_to_its_queue(caller):
    caller.prompt_ends()
    caller.bus.advance(4.9)  # inside the 5 s digit timeout
    caller.session.digit("2")
    assert caller.routed == [(CALL, Action("queue", "office"))]
    assert caller.steps() == ["main:2"]
    caller.bus.advance(60)  # the digit timer is gone: nothing more happens
    assert caller.steps() == ["main:2"]
    assert caller.heard() == [wavs("welcome", "main_menu")]


def test_invalid_digit_apologises_and_repeats_the_menu(caller):
    caller.session.digit("7")
    assert caller.steps() == ["main:7"]
    assert caller.heard()[-1] == wavs("invalid", "main_menu")
    assert caller.routed == []
    caller.prompt_ends()
    caller.session.digit("1")
    assert caller.routed == [(CALL, Action("queue", "taxi"))]


def test_no_timer_runs_while_the_menu_is_still_playing(caller):
    caller.bus.advance(30)  # a long greeting: the caller is not hurried
    assert caller.steps() == []
    assert len(caller.heard()) == 1


def test_silence_after_the_menu_plays_no_input_then_the_menu(caller):
    caller.prompt_ends()
    caller.bus.advance(4.99)
    assert caller.steps() == []
    caller.bus.advance(0.02)
    assert caller.steps() == ["main:timeout"]
    assert caller.heard()[-1] == wavs("no_input", "main_menu")
    assert caller.session.state is State.PROMPTING


@pytest.mark.parametrize("retries", [0, 1, 2, 3])
def test_after_the_retries_the_menus_default_is_taken(bus, control, retries):
    config = IvrConfig(menus=[IvrMenu(id="main", prompt="main_menu", options={"1": "queue:taxi"},
                                      timeout_s=3.0, retries=retries, default="queue:office")])
    c = Caller(bus, control, config).start()
    for _ in range(retries):
        c.prompt_ends()
        bus.advance(3.0)
        assert c.routed == []
    c.prompt_ends()
    bus.advance(3.0)
    assert c.routed == [(CALL, Action("queue", "office"))]
    assert c.heard() == [wavs("welcome", "main_menu")] + [wavs("no_input", "main_menu")] * retries
    assert c.steps() == ["main:timeout"] * (retries + 1)


def test_invalid_digits_and_silence_share_the_retries(caller):
    caller.session.digit("8")  # retry 1
    caller.prompt_ends()
    caller.bus.advance(5)  # retry 2
    caller.prompt_ends()
    caller.session.digit("#")  # main allows 2 retries: now its default
    assert caller.routed == [(CALL, Action("queue", "office"))]
    assert caller.steps() == ["main:8", "main:timeout", "main:#"]


def test_sub_menu_plays_its_prompt_and_uses_its_own_options(caller):
    caller.session.digit("3")
    assert caller.steps() == ["main:3"]
    assert caller.heard()[-1] == wavs("info_menu")  # no greeting again
    assert caller.session.menu_id == "info"
    caller.prompt_ends()
    caller.session.digit("1")
    assert caller.routed == [(CALL, Action("queue", "taxi"))]
    step = caller.bus.of(ev.IvrStepped)[-1]
    assert (step.node, step.step) == ("info", "info:1")


def test_sub_menu_has_its_own_timeout_retries_and_default(caller):
    caller.session.digit("5")  # one retry used in main ...
    caller.prompt_ends()
    caller.session.digit("3")  # ... is forgotten in the sub-menu (info: 4 s, 1 retry)
    caller.prompt_ends()
    caller.bus.advance(4.0)
    assert caller.heard()[-1] == wavs("no_input", "info_menu")
    assert caller.routed == []
    caller.prompt_ends()
    caller.bus.advance(4.0)
    assert caller.routed == [(CALL, Action("hangup"))]
    assert caller.steps() == ["main:5", "main:3", "info:timeout", "info:timeout"]


def test_back_to_the_main_menu_from_a_sub_menu(caller):
    caller.session.digit("3")
    caller.session.digit("0")
    assert caller.session.menu_id == "main"
    assert caller.heard()[-1] == wavs("main_menu")
    caller.session.digit("2")
    assert caller.routed == [(CALL, Action("queue", "office"))]


def test_hangup_option_is_handed_back_to_the_flow(caller):
    caller.session.digit("9")
    assert caller.routed == [(CALL, Action("hangup"))]
    assert caller.steps() == ["main:9"]


def test_the_end_of_a_replaced_prompt_does_not_start_the_timer(caller):
    greeting = caller.control.last_play(CALL).token
    caller.session.digit("7")  # the re-prompt replaces the greeting ...
    caller.session.prompt_finished(greeting)  # ... whose end is reported late
    assert caller.session.state is State.PROMPTING
    caller.bus.advance(30)
    assert caller.steps() == ["main:7"]  # no timeout while the re-prompt plays
    caller.prompt_ends()
    caller.bus.advance(5)
    assert caller.steps() == ["main:7", "main:timeout"]


def test_a_timer_of_an_earlier_prompt_never_fires(caller):
    caller.prompt_ends()
    caller.bus.advance(3)
    caller.session.digit("7")  # re-prompt starts; the old 5 s timer must not count
    caller.bus.advance(2.5)  # past the old timer's deadline
    assert caller.steps() == ["main:7"]
    assert caller.heard()[-1] == wavs("invalid", "main_menu")


def test_a_routed_caller_is_left_alone(caller):
    caller.session.digit("1")
    token = caller.control.last_play(CALL).token
    caller.session.digit("2")
    caller.session.prompt_finished(token)
    caller.bus.advance(60)
    assert caller.routed == [(CALL, Action("queue", "taxi"))]
    assert caller.steps() == ["main:1"]
    assert len(caller.heard()) == 1


def test_hangup_in_the_menu_stops_the_timer(caller):
    caller.prompt_ends()
    caller.session.hangup()
    caller.bus.advance(60)
    assert caller.steps() == []
    assert caller.routed == []
    assert len(caller.heard()) == 1
    assert caller.bus.pending_timers() == 0


def test_every_state_and_trigger_has_a_transition():
    """Any input at any time is either handled or listed as a harmless repeat."""
    assert set(TRANSITIONS) == {(s, t) for s in State for t in Trigger}


def test_an_unknown_transition_raises_naming_the_call(caller):
    caller.session.state = "transferring"  # a state the table does not know
    with pytest.raises(RuntimeError, match="call_id=c1: no transition"):
        caller.session.digit("1")
