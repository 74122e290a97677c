"""What a waiting caller hears: a 'please hold', music, and an announcement now and then."""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

from appliance import events as ev


class Player(Protocol):
    def play(self, call_id: str, files: Sequence[str], loop: bool = False) -> int: ...


class Timers(Protocol):
    def call_later(self, delay: float, fn: Callable[[], None]) -> ev.Timer: ...


class HoldPlayer:
    """Per waiting caller. Runs on the bus worker."""

    def __init__(self, call_id: str, player: Player, prompt: Callable[[str], str],
                 timers: Timers, announce_every_s: float,
                 announcement: Callable[[], Sequence[str]] | None = None,
                 music: Callable[[], str] | None = None, opening: Sequence[str] = ()):
        self.call_id = call_id
        self._player = player
        self._prompt = prompt
        self._timers = timers
        self._every = announce_every_s
        # prompt keys said at each interval (the queue adds place and expected wait)
        self._announcement = announcement or (lambda: ["still_waiting"])
        self._music = music or (lambda: self._prompt("hold_music"))  # a WAV path
        self._opening = list(opening) or ["please_hold"]  # e.g. the recording notice first
        self._token = 0
        self._timer: ev.Timer | None = None
        self._stopped = False

    def start(self) -> None:
        self._token = self._player.play(self.call_id, [self._prompt(k) for k in self._opening])

    def prompt_finished(self, token: int) -> bool:
        """Feed PromptFinished; returns True when the token was ours."""
        if token != self._token or self._stopped:
            return False
        self._token = self._player.play(self.call_id, [self._music()], loop=True)
        if self._every > 0:
            self._timer = self._timers.call_later(self._every, self._announce)
        return True

    def _announce(self) -> None:
        if not self._stopped:
            files = [self._prompt(key) for key in self._announcement()]
            self._token = self._player.play(self.call_id, files)

    def say(self, keys: Sequence[str]) -> None:
        """Interrupt the music with prompts (e.g. "we will call you back"); music after."""
        if not self._stopped:
            if self._timer is not None:
                self._timer.cancel()
            self._token = self._player.play(self.call_id, [self._prompt(k) for k in keys])

    def stop(self) -> None:
        """The caller was bridged or left: no more announcements."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
