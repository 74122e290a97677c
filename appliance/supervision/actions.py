"""Control actions: ``supervise {call_id, mode}``, ``escalate {dispatcher}``,
``supervisions``. They run on the bus worker through ``on_bus``."""

from __future__ import annotations

from typing import Any, Callable


def supervision_actions(sup, on_bus: Callable[[Callable[[], Any]], Any]) -> dict[str, Callable]:
    def supervise(args: dict) -> dict:
        call_id, mode = str(args.get("call_id") or ""), str(args.get("mode") or "listen")
        return on_bus(lambda: sup.supervise(call_id, mode))

    def escalate(args: dict) -> dict:
        name = str(args.get("dispatcher") or "")
        return on_bus(lambda: sup.escalate(name))

    def supervisions(args: dict) -> list:
        return on_bus(sup.status)

    return {"supervise": supervise, "escalate": escalate, "supervisions": supervisions}
