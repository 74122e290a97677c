"""What a dispatcher's phone is doing beyond the queue call, for the live page's cards.

The core reports conversations held by a dispatcher's phone (``held_calls``: call ids)
and calls between dispatchers' phones (``internal_calls[{call_id, from, to, state}]``)
apart from the dispatchers. This puts each on the dispatcher's own entry, so a card
is drawn from its dispatcher alone:

* ``on_hold``: their conversation's customer is on hold (hears hold music);
* ``colleague``: ``{call_id, name, direction: out|in, state: ringing|talking|refused}``
  — ``out`` for the dispatcher who dialled, ``in`` for the colleague rung; a refused
  call is A's alone (B's phone did not ring, or stopped).

Each key is there only when it applies (a reader tests ``d.on_hold`` / ``d.colleague``).
"""

from __future__ import annotations

from typing import Any


def with_phone_calls(status: dict[str, Any]) -> list[dict[str, Any]]:
    """The status's dispatchers, with ``on_hold`` (True) and ``colleague`` where they apply."""
    held = set(status.get("held_calls") or [])
    internal = status.get("internal_calls") or []
    out = []
    for d in status.get("dispatchers") or []:
        extra: dict[str, Any] = {}  # only when so: a dispatcher doing neither is as the core sent it
        if d.get("on_call") and d["on_call"] in held:
            extra["on_hold"] = True
        if (colleague := _colleague(d.get("name"), internal)) is not None:
            extra["colleague"] = colleague
        out.append({**d, **extra})
    return out


def _colleague(name: str | None, internal: list[dict[str, Any]]) -> dict[str, str] | None:
    for call in internal:
        state = call.get("state", "")
        if call.get("from") == name:
            return {"call_id": call.get("call_id", ""), "name": call.get("to", ""),
                    "direction": "out", "state": state}
        if call.get("to") == name and state != "refused":
            return {"call_id": call.get("call_id", ""), "name": call.get("from", ""),
                    "direction": "in", "state": state}
    return None
