"""The queue's control-socket actions and the helpers the composition root wires.

Actions run on the bus worker through ``on_bus`` (domain state lives there):
``login {dispatcher}``, ``logout {dispatcher}``, ``pause {dispatcher, paused, reason}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from appliance.config.model import QueueConfig
from appliance.errors import CallboxError
from appliance.i18n import N_

MUSIC_FILE_SUFFIXES = (".wav", ".mp3", ".ogg", ".oga")


def queue_actions(acd, on_bus: Callable[[Callable[[], Any]], Any]) -> dict[str, Callable]:
    def name_of(args: dict) -> str:
        name = str(args.get("dispatcher") or "").strip()
        if name not in acd.agents:
            raise CallboxError(N_("no dispatcher named %(name)s"), name=name)
        return name

    def login(args: dict) -> str:
        name = name_of(args)
        return on_bus(lambda: acd.login(name))

    def logout(args: dict) -> str:
        name = name_of(args)
        return on_bus(lambda: acd.logout(name))

    def pause(args: dict) -> str:
        name = name_of(args)
        paused, reason = bool(args.get("paused", True)), str(args.get("reason") or "")
        return on_bus(lambda: acd.set_paused(name, paused, reason))

    def reasons(args: dict) -> list[str]:
        return list(acd.pause_reasons)

    return {"login": login, "logout": logout, "pause": pause, "pause_reasons": reasons}


def music_file_prompts(queues: list[QueueConfig]) -> dict[str, str]:
    """``music = "/path/file.mp3"``: a custom prompt ``hold_music_<queue>``, converted by
    the prompt library at start-up (never per call)."""
    return {f"hold_music_{q.name}": q.music for q in queues
            if q.music.lower().endswith(MUSIC_FILE_SUFFIXES)}


def music_lookup(queues: list[QueueConfig], uploaded: Callable[[str], Path],
                 prompt: Callable[[str], str]) -> Callable[[str], str | None]:
    """queue name -> WAV of its hold music, or None for the built-in music.

    ``music = "KEY"`` names a prompt uploaded on the web (prompts page, office language):
    looked up at each new caller, so a new upload plays to the next one.
    """
    music = {q.name: q.music for q in queues if q.music}

    def lookup(queue: str) -> str | None:
        value = music.get(queue)
        if not value:
            return None
        if value.lower().endswith(MUSIC_FILE_SUFFIXES):
            return prompt(f"hold_music_{queue}")
        try:
            path = uploaded(value)
        except CallboxError:
            return None
        return str(path) if path.is_file() else None

    return lookup


def with_queue_prompts(config):
    """``config`` with the queue's prompt texts (place, expected wait, callback offer,
    feature-code confirmations) and hold-music files added: the prompt library makes
    them once at start-up like every other prompt. callbox.toml's own texts win."""
    from dataclasses import replace

    from appliance.acd.announce import queue_prompt_texts
    from appliance.acd.features import FEATURE_TEXTS
    from appliance.transfer.internal import INTERNAL_TEXTS

    lang = config.office.language
    texts = dict(queue_prompt_texts(lang, config.queue))
    if config.acd.feature_codes:
        texts.update(FEATURE_TEXTS.get(lang, FEATURE_TEXTS["en"]))
    texts.update(INTERNAL_TEXTS.get(lang, INTERNAL_TEXTS["en"]))  # calls between phones
    prompts = replace(config.prompts, texts={**texts, **config.prompts.texts},
                      custom={**music_file_prompts(config.queue), **config.prompts.custom})
    return replace(config, prompts=prompts)
