"""``OutboundRouter``: the route for a call out, chosen over the lines as they are now.

Thread-safe (the bus worker places callbacks, the informer's thread its calls). A line
handed out counts as taken ("claimed") until the line shows the call itself (a GSM
line's ``LineStateChanged`` to ``busy``), its owner releases it, or the claim runs out:
a callback claims its line while the dispatcher's phone rings, until it dials.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import Counter
from typing import Callable, Mapping, Sequence

from appliance import events as ev
from appliance.routing.rules import Choice, LineSnapshot, Route, choose, with_claims

log = logging.getLogger("callbox.routing")

CLAIM_S = 15.0  # long enough for speech to be made and the line to show its call
EVENT_TYPES = (ev.LineStateChanged,)


class OutboundRouter:
    def __init__(self, routes: Sequence[Route], snapshot: Callable[[], Mapping[str, LineSnapshot]],
                 country: str, *, names: Callable[[], Sequence[str]] | None = None,
                 claim_s: float = CLAIM_S, monotonic: Callable[[], float] = time.monotonic):
        self._routes = tuple(routes)
        self._snapshot = snapshot
        self._names = names
        self._country = country
        self._claim_s = claim_s
        self._now = monotonic
        self._lock = threading.Lock()
        self._claims: dict[str, tuple[str, float]] = {}  # owner -> (line, expires)
        self._tokens = itertools.count(1)

    def lines(self) -> list[str]:
        """Names of the lines calls can go out on (GSM lines, then trunks)."""
        return list(self._names() if self._names is not None else self._snapshot())

    def route(self, number: str, *, line: str = "", prefer: str = "", owner: str = "",
              hold_s: float | None = None) -> Choice:
        """The line for ``number`` (a dialable number); claimed for ``owner`` (or a
        token) for ``hold_s``. Raises RoutingError (a translated CallboxError)."""
        with self._lock:
            now = self._now()
            self._claims = {k: v for k, v in self._claims.items() if v[1] > now}
            claimed = Counter(name for name, _ in self._claims.values())
            lines = with_claims(self._snapshot(), claimed)
            choice = choose(self._routes, lines, number, self._country, line=line, prefer=prefer)
            key = owner or f"claim-{next(self._tokens)}"
            hold = hold_s if hold_s is not None else self._claim_s
            self._claims[key] = (choice.line, now + hold)
        log.info("route %s -> %s via %s (rule %s)", number, choice.number, choice.line,
                 "default" if choice.route is None else repr(choice.route))
        return choice

    def release(self, owner: str) -> None:
        with self._lock:
            self._claims.pop(owner, None)

    def handle(self, event: ev.Event) -> None:
        """Bus subscriber (``EVENT_TYPES``): a line that shows its call needs no claim."""
        if isinstance(event, ev.LineStateChanged) and event.state == "busy":
            with self._lock:
                self._claims = {k: v for k, v in self._claims.items() if v[0] != event.line}


def routes_from_config(routes: Sequence) -> list[Route]:
    """``[[route]]`` tables (``RouteConfig``) as rules."""
    return [Route(prefix=r.prefix, lines=tuple(r.lines), strip=r.strip, prepend=r.prepend,
                  cost=dict(r.cost)) for r in routes]
