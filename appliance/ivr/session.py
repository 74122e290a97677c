"""One caller's walk through the menu tree: an explicit state machine.

Runs on the bus worker: every trigger (prompt finished, digit, timeout) arrives
there, so the session needs no locks. Digits barge in on prompts.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Callable, Protocol, Sequence

from appliance import events as ev
from appliance.ivr.menu import Action, MenuTree


log = logging.getLogger("callbox.ivr")

PROMPT_GUARD_S = 120.0  # a prompt that never reports its end must not hold the caller forever


class State(StrEnum):
    PROMPTING = "prompting"  # a menu prompt is playing (digits barge in)
    WAITING = "waiting"  # prompt done, the digit timer runs
    ROUTED = "routed"  # handed to a queue (or hung up): the IVR is done


class Trigger(StrEnum):
    PROMPT_DONE = "prompt_done"
    DIGIT = "digit"
    TIMEOUT = "timeout"


# (state, trigger) -> (next state, action). None as next state: the action decides
# (a digit may route, open a sub-menu or re-prompt). Harmless repeats are listed.
TRANSITIONS: dict[tuple[State, Trigger], tuple[State | None, str]] = {
    (State.PROMPTING, Trigger.PROMPT_DONE): (State.WAITING, "arm_timer"),
    (State.PROMPTING, Trigger.DIGIT): (None, "take_digit"),
    (State.PROMPTING, Trigger.TIMEOUT): (State.PROMPTING, "ignore"),  # stale timer
    (State.WAITING, Trigger.DIGIT): (None, "take_digit"),
    (State.WAITING, Trigger.TIMEOUT): (None, "take_timeout"),
    (State.WAITING, Trigger.PROMPT_DONE): (State.WAITING, "ignore"),  # stale prompt
    (State.ROUTED, Trigger.DIGIT): (State.ROUTED, "ignore"),
    (State.ROUTED, Trigger.TIMEOUT): (State.ROUTED, "ignore"),
    (State.ROUTED, Trigger.PROMPT_DONE): (State.ROUTED, "ignore"),
}


class Player(Protocol):
    def play(self, call_id: str, files: Sequence[str], loop: bool = False) -> int: ...

    def stop_play(self, call_id: str) -> None: ...


class Timers(Protocol):
    def call_later(self, delay: float, fn: Callable[[], None]) -> ev.Timer: ...


class IvrSession:
    def __init__(self, call_id: str, tree: MenuTree, player: Player,
                 prompt: Callable[..., str], timers: Timers,
                 publish: Callable[[ev.Event], None], on_routed: Callable[[str, Action], None],
                 language: str = ""):
        self.call_id = call_id
        self.tree = tree  # kept for the whole call: a reload does not change it mid-menu
        self._tree = tree
        self._player = player
        self._prompt = prompt  # (key) or (key, language) -> WAV path
        self._timers = timers
        self._publish = publish
        self._on_routed = on_routed
        self.state = State.PROMPTING
        self.menu_id = tree.root
        self.language = language or tree.language
        self.tries = 0
        self.no_input = False  # routed by the menu's fallback after the caller pressed nothing
        self._token = 0
        self._timer: ev.Timer | None = None
        self._digit = ""

    # -- inputs ---------------------------------------------------------------
    def start(self, greet: bool = True) -> None:
        """Greeting (unless ``greet`` is off or the tree has none) and the first menu."""
        greeting = [self._tree.greeting] if greet and self._tree.greeting else []
        self._play([*greeting, self._tree.menu(self.menu_id).prompt])

    def prompt_finished(self, token: int) -> None:
        if token == self._token:
            self._fire(Trigger.PROMPT_DONE)

    def digit(self, digit: str) -> None:
        self._digit = digit
        self._fire(Trigger.DIGIT)

    def hangup(self) -> None:
        self._cancel_timer()
        self.state = State.ROUTED

    # -- machine ----------------------------------------------------------------
    def _fire(self, trigger: Trigger) -> None:
        try:
            next_state, action = TRANSITIONS[(self.state, trigger)]
        except KeyError:
            raise RuntimeError(f"IVR call_id={self.call_id}: no transition for "
                               f"{self.state}/{trigger}") from None
        if next_state is not None:
            self.state = next_state
        getattr(self, "_" + action)()

    def _ignore(self) -> None:
        pass

    def _arm_timer(self) -> None:
        self._cancel_timer()
        token = self._token
        timeout = self._tree.menu(self.menu_id).timeout_s
        self._timer = self._timers.call_later(timeout, lambda: self._timed_out(token))

    def _timed_out(self, token: int) -> None:
        if token == self._token:
            self._fire(Trigger.TIMEOUT)

    def _take_digit(self) -> None:
        self._cancel_timer()
        digit = self._digit
        self._step(digit)
        action = self._tree.choose(self.menu_id, digit)
        if action is None:
            self._retry("invalid")
        else:
            self._act(action)

    def _take_timeout(self) -> None:
        self._step("timeout")
        self._retry("no_input")

    def _retry(self, apology: str) -> None:
        self.tries += 1
        if self.tries > self._tree.menu(self.menu_id).retries:
            self.no_input = apology == "no_input"
            self._act(self._tree.fallback(self.menu_id))
            return
        self.state = State.PROMPTING
        self._play([apology, self._tree.menu(self.menu_id).prompt])

    def _act(self, action: Action) -> None:
        if action.kind in ("menu", "language"):
            if action.kind == "language":  # the caller's pick: every later prompt in it
                self.language = action.target
                self.menu_id = action.menu or self.menu_id
            else:
                self.menu_id = action.target
            self.tries = 0
            self.state = State.PROMPTING
            self._play([self._tree.menu(self.menu_id).prompt])
            return
        self.state = State.ROUTED
        self._token = -1  # any prompt still playing is no longer ours
        self._on_routed(self.call_id, action)

    # -- helpers ------------------------------------------------------------------
    def _step(self, what: str) -> None:
        self._publish(ev.IvrStepped(call_id=self.call_id, node=self.menu_id,
                                    step=f"{self.menu_id}:{what}"))

    def _play(self, keys: list[str]) -> None:
        self._cancel_timer()
        files = [self.prompt_path(k) for k in keys]
        log.info("call_id=%s menu %s plays %s", self.call_id, self.menu_id, " ".join(files))
        token = self._token = self._player.play(self.call_id, files)
        self._timer = self._timers.call_later(PROMPT_GUARD_S, lambda: self.prompt_finished(token))

    def prompt_path(self, key: str) -> str:
        """The WAV of ``key`` in the caller's language (the office's unless they chose)."""
        if self.language == self._tree.language:
            return self._prompt(key)
        return self._prompt(key, self.language)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
