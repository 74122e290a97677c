"""Prompts in every caller language: one PromptLibrary per language, rebuilt on reload.

The office language gets the built-in texts, ``[prompts.texts]``/``[prompts.custom]``
from callbox.toml and the prompts saved on the web; the other two languages (a
caller may pick one in the menu) get their built-in texts and the web's prompts.
A web-saved prompt wins over callbox.toml's (it is the newer decision).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, Iterable

from appliance.config.model import Config
from appliance.prompts.library import HOLD_MUSIC, PromptLibrary
from appliance.prompts.texts import TEXTS
from appliance.prompts.tts import Synthesizer
from appliance.prompts.uploads import LANGUAGES, UploadedPrompts

log = logging.getLogger("callbox.prompts")


def prompt_keys(config: Config, data_dir: str | Path, lang: str) -> set[str]:
    """Every prompt key a caller hearing ``lang`` can be played (no audio is made)."""
    keys = set(TEXTS.get(lang, {})) | {HOLD_MUSIC}
    if lang == config.office.language:
        keys |= set(config.prompts.texts) | set(config.prompts.custom)
    return keys | set(UploadedPrompts(data_dir).keys(lang))


class PromptSet:
    def __init__(self, data_dir: str | Path, config: Config, synthesizer: Synthesizer,
                 make: Callable[..., PromptLibrary] = PromptLibrary):
        self._data = str(data_dir)
        self._config = config
        self._synth = synthesizer
        self._make = make
        self._uploads = UploadedPrompts(data_dir)
        self._libraries: dict[str, PromptLibrary] = {}
        self._lock = threading.Lock()
        self.language = config.office.language

    def _build(self, lang: str) -> PromptLibrary:
        office = lang == self.language
        p = self._config.prompts
        custom = {**(p.custom if office else {}), **self._uploads.keys(lang)}
        return self._make(self._data, lang, self._config.office.name,
                          p.texts if office else None, custom, self._synth,
                          voice=p.voice if office else "")

    def library(self, lang: str | None = None) -> PromptLibrary:
        lang = lang or self.language
        with self._lock:
            lib = self._libraries.get(lang)
            if lib is None:
                lib = self._libraries[lang] = self._build(lang)
        return lib

    def path(self, key: str, lang: str | None = None) -> str:
        return self.library(lang).path(key)

    def has(self, key: str, lang: str) -> bool:
        return key in prompt_keys(self._config, self._data, lang)

    def prepare(self, languages: Iterable[str] = ()) -> None:
        """Make the office language's prompts and those of ``languages`` (start-up, reload)."""
        for lang in dict.fromkeys([self.language, *languages]):
            if lang in LANGUAGES:
                self.library(lang).prepare()

    def reload(self, languages: Iterable[str] = ()) -> None:
        """Pick up prompts saved on the web: new libraries, prepared, then swapped in."""
        fresh = {lang: self._build(lang) for lang in dict.fromkeys([self.language, *languages])
                 if lang in LANGUAGES}
        for lib in fresh.values():
            lib.prepare()
        with self._lock:
            self._libraries.update(fresh)
        log.info("prompts reloaded for %s", ", ".join(fresh))
