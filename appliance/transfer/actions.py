"""Control actions: ``transfer {call_id, to, mode}``, ``transfer_complete {call_id}``,
``transfer_cancel {call_id}``, ``transfers``. They run on the bus worker through ``on_bus``;
the composition root registers them."""

from __future__ import annotations

from typing import Any, Callable


def transfer_actions(transfers, on_bus: Callable[[Callable[[], Any]], Any]) -> dict[str, Callable]:
    def transfer(args: dict) -> dict:
        call_id, to = str(args.get("call_id") or ""), str(args.get("to") or "")
        mode = str(args.get("mode") or "blind")
        return on_bus(lambda: transfers.start(call_id, to, mode))

    def complete(args: dict) -> dict:
        call_id = str(args.get("call_id") or "")
        return on_bus(lambda: transfers.complete(call_id))

    def cancel(args: dict) -> dict:
        call_id = str(args.get("call_id") or "")
        return on_bus(lambda: transfers.cancel(call_id))

    def listing(args: dict) -> list:
        return on_bus(transfers.status)

    return {"transfer": transfer, "transfer_complete": complete, "transfer_cancel": cancel,
            "transfers": listing}
