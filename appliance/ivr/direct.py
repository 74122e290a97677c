"""``dispatcher:NAME`` menu actions: a caller waits for one dispatcher in a queue of one.

The queue (ACD) does the ringing, states and wrap-up as for any queue; these
queues are named ``dispatcher:NAME`` and take the dispatcher's longest wrap-up and ring
time. A caller waiting longer than the longest ``target_wait_s`` of the dispatcher's
queues (the dispatcher is away, or on a long call) goes to voicemail instead of waiting
for ever.
"""

from __future__ import annotations

from appliance.config.model import Config, QueueConfig

PREFIX = "dispatcher:"


def direct_queues(config: Config) -> list[QueueConfig]:
    out = []
    for d in config.dispatcher:
        theirs = [q for q in config.queue if not q.members or d.name in q.members]
        wrapup = max((q.wrapup_s for q in theirs), default=QueueConfig.wrapup_s)
        ring = max((q.ring_timeout_s for q in theirs), default=QueueConfig.ring_timeout_s)
        wait = max((q.target_wait_s for q in theirs), default=QueueConfig.target_wait_s)
        out.append(QueueConfig(name=PREFIX + d.name, members=[d.name], wrapup_s=wrapup,
                               ring_timeout_s=ring, target_wait_s=wait, max_wait_s=wait,
                               overflow="voicemail"))
    return out
