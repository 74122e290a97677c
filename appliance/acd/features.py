"""Feature codes: a dispatcher's phone calls the box to change its state.

``*1`` logs in, ``*2`` logs out, ``*3`` pauses or resumes. The box knows the
dispatcher by the calling phone: the SIP user (the extension or the user of their
``phone`` URI) together with the host it calls from, or the user alone when the
phone's URI names no IP address. The box answers, says what happened
("you are logged in") and hangs up. Calls from anyone else go to the IVR.

A bus subscriber; the call flow asks :meth:`take` before it starts the menu.
"""

from __future__ import annotations

import logging
import re
from typing import Callable

from appliance import events as ev
from appliance.errors import CallboxError
from appliance.telephony.numbers import user_of_uri

log = logging.getLogger("callbox.acd")

CODES = {"*1": "login", "*2": "logout", "*3": "pause"}
EVENT_TYPES = (ev.CallOffered, ev.PromptFinished, ev.CallHungUp)
_URI = re.compile(r"<([^>]+)>")
_HOST = re.compile(r"^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>]+)", re.IGNORECASE)

# what the box says after each outcome (prompt keys; texts in FEATURE_TEXTS)
SAID = {"available": "agent_logged_in", "offline": "agent_logged_out",
        "paused": "agent_paused", "resumed": "agent_resumed", "later": "agent_after_call",
        "refused": "agent_refused"}

FEATURE_TEXTS = {
    "en": {"agent_logged_in": "You are logged in.", "agent_logged_out": "You are logged out.",
           "agent_paused": "You are paused.", "agent_resumed": "You are available again.",
           "agent_after_call": "Done: it takes effect after your call.",
           "agent_refused": "Sorry, that is not possible now."},
    "fa": {"agent_logged_in": "شما وارد شدید.", "agent_logged_out": "شما خارج شدید.",
           "agent_paused": "شما در حالت مکث هستید.",
           "agent_resumed": "شما دوباره آماده پاسخگویی هستید.",
           "agent_after_call": "انجام شد؛ پس از پایان تماس اعمال می‌شود.",
           "agent_refused": "متأسفیم، این کار اکنون ممکن نیست."},
    "ru": {"agent_logged_in": "Вы вошли в систему.", "agent_logged_out": "Вы вышли из системы.",
           "agent_paused": "Вы на паузе.", "agent_resumed": "Вы снова доступны.",
           "agent_after_call": "Готово: изменение вступит в силу после разговора.",
           "agent_refused": "Извините, сейчас это невозможно."},
}


def plain_uri(text: str) -> str:
    """``"Bob" <sip:101@10.0.0.5:5060>;tag=x`` → ``sip:101@10.0.0.5:5060``."""
    match = _URI.search(text)
    uri = (match.group(1) if match else text).strip()
    return uri.split(";", 1)[0]


def host_of(uri: str) -> str:
    match = _HOST.match(plain_uri(uri))
    return match.group(1).strip("[]") if match else ""


def _is_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|[0-9a-fA-F:]+", host)) and any(c.isdigit() for c in host)


class FeatureCodes:
    def __init__(self, acd, control, prompt: Callable[[str], str], bus, enabled: bool = True):
        self._acd = acd
        self._control = control
        self._prompt = prompt
        self._bus = bus
        self.enabled = enabled
        self._offered: dict[str, tuple[str, str]] = {}  # call_id -> (dispatcher, code)
        self._playing: dict[str, int] = {}  # call_id -> token of the confirmation
        self._said: dict[str, str] = {}

    def dispatcher_for(self, caller_raw: str, source: str) -> str | None:
        """Which dispatcher's phone this is: the SIP user must match their extension or
        phone URI user, and the source host their phone's host when that is an IP."""
        for agent in self._acd.agents.values():
            users = {agent.extension, user_of_uri(agent.phone)}
            host = host_of(agent.phone)
            if caller_raw in users and (not _is_ip(host) or not source or host == source):
                return agent.name
        return None

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.CallOffered):
            self._on_offered(event)
        elif isinstance(event, ev.PromptFinished):
            if self._playing.get(event.call_id) == event.token:
                self._control.hangup(event.call_id)
        elif isinstance(event, ev.CallHungUp):
            self._offered.pop(event.call_id, None)
            if self._playing.pop(event.call_id, None) is not None:
                self._bus.publish(ev.CallEnded(
                    call_id=event.call_id, disposition="answered",
                    hangup_cause=f"feature code: {self._said.pop(event.call_id, '')}",
                    ended_by="box"))

    def _on_offered(self, event: ev.CallOffered) -> None:
        code = event.callee.strip()
        if not self.enabled or event.kind != "sip" or code not in CODES:
            return
        name = self.dispatcher_for(event.caller_raw, event.source)
        if name is None:
            log.info("call_id=%s feature code %s from %s@%s: not a dispatcher's phone",
                     event.call_id, code, event.caller_raw, event.source)
            return
        self._offered[event.call_id] = (name, code)

    def take(self, call_id: str) -> bool:
        """Called by the call flow once the call is answered: True = a feature code call,
        handled here (no menu)."""
        found = self._offered.pop(call_id, None)
        if found is None:
            return False
        name, code = found
        outcome = self.apply(name, CODES[code])
        log.info("call_id=%s dispatcher %s dialled %s: %s", call_id, name, code, outcome)
        self._said[call_id] = f"{code} {name} {outcome}"
        self._playing[call_id] = self._control.play(call_id, [self._prompt(SAID[outcome])])
        return True

    def apply(self, name: str, what: str) -> str:
        """Do it (bus worker); returns a key of SAID."""
        acd = self._acd
        agent = acd.agents[name]
        try:
            if what == "login":
                acd.login(name)
                return "available"
            elif what == "logout":
                state = acd.logout(name)
                if agent.logout_after:
                    return "later"
            else:
                before = str(agent.state)
                state = acd.toggle_pause(name)
                if state in ("busy", "ringing"):
                    return "later"
                return "resumed" if before == "paused" else "paused"
        except CallboxError as exc:
            log.info("dispatcher %s: %s refused: %s", name, what, exc)
            return "refused"
        return "offline" if state == "offline" else "refused"
