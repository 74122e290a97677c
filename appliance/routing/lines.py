"""Whether each line can take a call out now, read from the telephony side (any thread).

A GSM line is free when it is ready and idle (state ``up``: registered, signal, no call);
a trunk when it is registered, the SIP engine has a call slot and the trunk is below its
``max_calls``. Only reads: no command goes to a line from here.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from appliance.routing.rules import LineKind, LineSnapshot


class LineBoard:
    def __init__(self, gsm_lines: Callable[[], Mapping[str, Any]], engine: Callable[[], Any],
                 trunks: Sequence[Any]):
        self._gsm = gsm_lines
        self._engine = engine
        self._trunks = tuple(trunks)

    def names(self) -> list[str]:
        return list(self._gsm()) + [t.name for t in self._trunks]

    def snapshot(self) -> dict[str, LineSnapshot]:
        out = {name: self._gsm_line(name, line) for name, line in self._gsm().items()}
        engine = self._engine()
        for trunk in self._trunks:
            out[trunk.name] = self._trunk(trunk, engine)
        return out

    @staticmethod
    def _gsm_line(name: str, line: Any) -> LineSnapshot:
        state = str(line.status().get("state", "down"))
        if not getattr(line, "ready", True) and state == "up":
            state = "starting"
        free = state == "up"
        return LineSnapshot(name, LineKind.GSM, 1 if free else 0, "" if free else state)

    @staticmethod
    def _trunk(trunk: Any, engine: Any) -> LineSnapshot:
        if engine is None:
            return LineSnapshot(trunk.name, LineKind.TRUNK, 0, "down")
        state = engine.trunk_state(trunk.name)
        if state != "up":
            return LineSnapshot(trunk.name, LineKind.TRUNK, 0, state)
        capacity = engine.capacity()
        room = capacity.total - capacity.used
        limit = getattr(trunk, "max_calls", 0)
        if limit:
            room = min(room, limit - engine.trunk_calls(trunk.name))
        room = max(0, room)
        return LineSnapshot(trunk.name, LineKind.TRUNK, room, "" if room else "full")
