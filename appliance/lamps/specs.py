"""Which lamp sits on which GPIO pin and what it shows, read from the config."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from appliance.config.model import Config

ALL_QUEUES = "*"  # queue-lamp target: callers waiting in any queue


class LampKind(StrEnum):
    DISPATCHER = "dispatcher"  # target: dispatcher name
    QUEUE = "queue"            # target: queue name or ALL_QUEUES
    LINE = "line"              # target: line name
    STATUS = "status"          # target: "" (the box itself)


@dataclass(frozen=True)
class LampSpec:
    name: str
    pin: int  # BCM GPIO number
    kind: LampKind
    target: str


def lamps_from_config(cfg: Config) -> list[LampSpec]:
    """Every configured lamp; dispatchers, lines or lamps without a pin are left out."""
    specs = [LampSpec(d.name, d.lamp, LampKind.DISPATCHER, d.name)
             for d in cfg.dispatcher if d.lamp is not None]
    if cfg.lamps.queue_waiting is not None:
        specs.append(LampSpec("queue", cfg.lamps.queue_waiting, LampKind.QUEUE, ALL_QUEUES))
    specs += [LampSpec(line, pin, LampKind.LINE, line) for line, pin in cfg.lamps.lines.items()]
    if cfg.lamps.status is not None:
        specs.append(LampSpec("status", cfg.lamps.status, LampKind.STATUS, ""))
    return specs
