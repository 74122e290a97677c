"""The queue (ACD): holds callers, offers them to dispatchers, bridges, wraps up.

Runs on the bus worker only. It never blocks: telephony work is a command to
``CallControl`` and its outcome comes back as an event.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from appliance import events as ev
from appliance.acd import announce
from appliance.acd.agents import Agent, AgentState, AgentTrigger
from appliance.acd.handover import HandoverMixin
from appliance.acd.hold import HoldPlayer
from appliance.acd.overflow import OverflowMixin
from appliance.acd.presence import PresenceMixin
from appliance.acd.strategies import STRATEGIES, Context
from appliance.config.model import AcdConfig, DispatcherConfig, QueueConfig
from appliance.endings import box_ended
from appliance.errors import CallboxError
from appliance.i18n import N_

log = logging.getLogger("callbox.acd")

RETRY_S = 2.0  # when every dispatcher refused, wait before ringing them again
NOT_FREE = {  # why a dispatcher cannot be reserved, one msgid per state (translated whole)
    AgentState.RINGING: N_("dispatcher %(name)s is ringing; a callback needs them free"),
    AgentState.BUSY: N_("dispatcher %(name)s is on a call; a callback needs them free"),
    AgentState.WRAPUP: N_("dispatcher %(name)s is wrapping up a call; a callback needs them free"),
    AgentState.PAUSED: N_("dispatcher %(name)s is paused; a callback needs them free"),
    AgentState.OFFLINE: N_("dispatcher %(name)s is offline; a callback needs them free"),
}


@dataclass
class Waiting:
    call_id: str
    queue: str
    caller: str
    since: float  # monotonic
    since_wall: datetime
    hold: HoldPlayer | None  # None: a callback keeping its place (the caller hung up)
    tried: set[str] = field(default_factory=set)
    legs: set[str] = field(default_factory=set)
    retry: ev.Timer | None = None
    max_wait: ev.Timer | None = None
    line: str = ""  # the line the caller came in on (callbacks go out on it)
    callback_to: str = ""  # set when the caller asked to be called back: number or SIP URI


@dataclass
class Offer:
    leg_id: str
    call_id: str
    agent: str
    timer: ev.Timer | None = None


@dataclass
class Conversation:
    call_id: str
    leg_id: str
    agent: str
    queue: str
    started: float


DEFAULT_HANDLE_S = 120.0  # assumed length of a conversation before any was measured


class Acd(PresenceMixin, OverflowMixin, HandoverMixin):
    def __init__(self, queues: list[QueueConfig], dispatchers: list[DispatcherConfig], control,
                 prompt: Callable[[str], str], bus, monotonic: Callable[[], float],
                 settings: AcdConfig | None = None, music: Callable[[str], str | None] | None = None):
        self._queues = {q.name: q for q in queues}
        self.agents = {d.name: Agent(d.name, d.extension, d.phone, order=i,
                                     penalties=dict(d.skills))
                       for i, d in enumerate(dispatchers)}
        for q in queues:
            for name in (q.members or list(self.agents)):
                self.agents[name].queues.add(q.name)
        for d in dispatchers:
            self.agents[d.name].queues.update(q for q in d.skills if q in self._queues)
        self._settings = settings or AcdConfig()
        self.music = music or (lambda queue: None)  # queue -> its hold music WAV, or None
        self._control = control
        self._prompt = prompt
        self._bus = bus
        self._now = monotonic
        self.waiting: dict[str, Waiting] = {}
        self.offers: dict[str, Offer] = {}
        self.talks: dict[str, Conversation] = {}  # by call_id
        self._placed: set[str] = set()  # legs this queue originated (others are not ours)
        self._tick: ev.Timer | None = None
        self._over: dict[str, bool] = {}
        self._last: dict[str, str] = {}  # queue -> dispatcher rung last (round-robin)
        self._handle_s: dict[str, float] = {}  # queue -> moving average of conversation length
        # (call_id, queue) -> True when voicemail took the call (the flow's entry point)
        self.router: Callable[[str, str], bool] | None = None
        self.callbacks = None  # appliance.callback.Callbacks, for callbacks keeping their place
        self._reach: dict[str, str] = {}  # call_id -> number/URI a callback would dial
        self._lines: dict[str, str] = {}  # call_id -> line it came in on
        self._hops: dict[str, set[str]] = {}  # call_id -> queues it overflowed from
        self._farewell: dict[str, tuple[int, str, str]] = {}  # call_id -> (token, disp, cause)

    def update_queue_settings(self, queues: list[QueueConfig]) -> list[str]:
        """New settings (timeouts, targets, strategy, announcements, overflow) for queues
        that exist already, in force for the next offer; run it on the bus thread. The
        names of queues it could not update (new, removed, other members) are returned:
        those need a core restart (appliance/settings/reload.py)."""
        current = {q.name: q for q in queues}
        if set(current) != set(self._queues):
            return sorted(set(current) ^ set(self._queues))
        moved = [name for name, q in current.items() if q.members != self._queues[name].members]
        if moved:
            return sorted(moved)
        self._queues.update(current)
        return []

    # ------------------------------------------------------------ inputs
    def enqueue(self, call_id: str, queue: str, caller: str, line: str = "",
                since: float | None = None, reach: str | None = None) -> None:
        """``reach``: what a callback would dial (the caller's SIP URI or number)."""
        conf = self._queues[queue]
        if reach is not None:
            self._reach[call_id] = reach
        line = line or self._lines.pop(call_id, "")
        if conf.max_length and sum(w.queue == queue for w in self.waiting.values()) \
                >= conf.max_length:
            self._overflow_new(call_id, queue, caller, line, since)
            return
        hold = HoldPlayer(call_id, self._control, self._prompt, self._bus, conf.announce_every_s,
                          announcement=lambda: self._announcement(call_id),
                          music=lambda: self.music(queue) or self._prompt("hold_music"),
                          opening=["recording_notice", "please_hold"] if conf.record else ())
        waiting = Waiting(call_id, queue, caller, self._now() if since is None else since,
                          ev.utcnow(), hold, line=line)
        self.waiting[call_id] = waiting
        self._bus.publish(ev.CallQueued(call_id=call_id, queue=queue, caller=caller))
        hold.start()
        if conf.max_wait_s:
            left = max(0.0, conf.max_wait_s - (self._now() - waiting.since))
            waiting.max_wait = self._bus.call_later(left, lambda: self._waited_too_long(call_id))
        self._queue_changed(queue)
        self.dispatch()

    def offered(self, event: ev.CallOffered) -> None:
        """Bus subscriber (CallOffered): where a callback would reach this caller."""
        self._lines[event.call_id] = event.line
        self._reach[event.call_id] = event.remote_uri or event.caller

    def forget(self, event: ev.CallEnded) -> None:
        """Bus subscriber (CallEnded): drop what ``offered`` noted, unless a callback waits."""
        self._lines.pop(event.call_id, None)
        if event.call_id not in self.waiting:
            self._reach.pop(event.call_id, None)

    def on_digit(self, event: ev.DtmfReceived) -> None:
        """Bus subscriber (DtmfReceived): keys pressed while waiting."""
        self.digit(event.call_id, event.digit)

    def digit(self, call_id: str, digit: str) -> None:
        """A key pressed while waiting: the callback key books a callback keeping the place."""
        waiting = self.waiting.get(call_id)
        if waiting is not None and waiting.hold is not None \
                and digit == self._queues[waiting.queue].callback_key:
            self._book_callback(waiting)

    def _announcement(self, call_id: str) -> list[str]:
        waiting = self.waiting.get(call_id)
        if waiting is None:
            return ["still_waiting"]
        conf = self._queues[waiting.queue]
        keys = []
        if conf.announce_position:
            position = self.position(call_id)
            staffed = sum(1 for a in self.agents.values()
                          if waiting.queue in a.queues and a.state != AgentState.OFFLINE)
            handle = self._handle_s.get(waiting.queue, DEFAULT_HANDLE_S)
            keys += [announce.position_keys(position),
                     announce.wait_key(announce.expected_wait_s(position, handle, staffed))]
        else:
            keys.append("still_waiting")
        if conf.callback_key:
            keys.append(f"callback_offer_{conf.callback_key}")
        return keys

    @property
    def pause_reasons(self) -> list[str]:
        return list(self._settings.pause_reasons)

    def position(self, call_id: str) -> int:
        """1 for the caller who is offered next in their queue."""
        me = self.waiting[call_id]
        line = sorted((w for w in self.waiting.values() if w.queue == me.queue),
                      key=lambda w: w.since)  # stable: equal times keep their arrival order
        return 1 + line.index(me)

    def prompt_finished(self, call_id: str, token: int) -> None:
        waiting = self.waiting.get(call_id)
        if waiting is not None and waiting.hold is not None:
            waiting.hold.prompt_finished(token)
        else:
            self.farewell_finished(call_id, token)

    def owns(self, call_id: str) -> bool:
        return call_id in self.waiting or call_id in self.talks or call_id in self._farewell

    def caller_hung_up(self, call_id: str, reason: str, code: int = 0) -> None:
        if self.farewell_hung_up(call_id):
            return  # sent away, or a callback keeping its place (the entry stays queued)
        cut = box_ended(code, reason)  # a timeout or a failed line, not the caller
        if call_id in self.waiting:
            self._reach.pop(call_id, None)
            self._hops.pop(call_id, None)
            waiting = self._leave(call_id)
            if cut:
                self._end(call_id, "failed", cut.cause, "box")
            else:
                self._end(call_id, "abandoned", f"caller hung up while waiting ({reason})", "caller")
            log.info("call_id=%s abandoned after %.1f s", call_id, self._now() - waiting.since)
            self.dispatch()
        elif call_id in self.talks:
            talk = self.talks.pop(call_id)
            self._control.hangup(talk.leg_id)
            self._finish_talk(talk)
            self._end(call_id, "failed" if cut and cut.failed else "answered",
                      cut.cause if cut else "caller hung up", "box" if cut else "caller")

    def leg_ringing(self, leg_id: str) -> None:
        pass  # the dispatcher was already shown as ringing when the leg was placed

    def leg_answered(self, leg_id: str) -> None:
        if leg_id not in self._placed:
            return  # another part's leg (a callback): not ours to hang up
        offer = self.offers.pop(leg_id, None)
        waiting = self.waiting.get(offer.call_id) if offer else None
        if offer is None or waiting is None:
            self._control.hangup(leg_id)  # a late answer for a caller already served or gone
            if offer is not None:
                self._agent_fire(offer.agent, AgentTrigger.NO_ANSWER)
            return
        self._cancel(offer.timer)
        self._leave(offer.call_id, keep_leg=leg_id)
        self._reach.pop(offer.call_id, None)
        self._hops.pop(offer.call_id, None)
        self._agent_fire(offer.agent, AgentTrigger.ANSWER)
        self.agents[offer.agent].leg_id = leg_id
        wait_s = round(self._now() - waiting.since, 3)
        self.talks[offer.call_id] = Conversation(offer.call_id, leg_id, offer.agent, waiting.queue,
                                                 self._now())
        self._control.bridge(offer.call_id, leg_id)
        self._bus.publish(ev.CallBridged(call_id=offer.call_id, dispatcher=offer.agent,
                                         queue=waiting.queue, wait_s=wait_s,
                                         legs=(offer.call_id, leg_id)))
        # Ring-all: the phones that lost this caller are free again, and callers who
        # found no one free when they arrived must be offered to them now.
        self.dispatch()

    def leg_ended(self, leg_id: str, code: int, reason: str) -> None:
        self._placed.discard(leg_id)
        offer = self.offers.pop(leg_id, None)
        if offer is not None:
            self._refused(offer, f"{code} {reason}")
            return
        talk = next((t for t in self.talks.values() if t.leg_id == leg_id), None)
        if talk is not None and self.transfer_holds(talk.call_id):
            return  # a transfer under way keeps the caller (appliance/transfer)
        if talk is not None:
            del self.talks[talk.call_id]
            self._control.hangup(talk.call_id)
            self._finish_talk(talk)
            cut = box_ended(code, reason)
            self._end(talk.call_id, "answered", cut.cause if cut else "dispatcher hung up",
                      "box" if cut else "dispatcher")

    # ------------------------------------------------------------- dispatch
    def dispatch(self) -> None:
        """Offer waiting callers (oldest first) to free dispatchers."""
        for waiting in sorted(self.waiting.values(), key=lambda w: w.since):
            if waiting.legs or waiting.retry is not None or waiting.call_id not in self.waiting:
                continue
            conf = self._queues[waiting.queue]
            free = self._free_for(waiting)
            if not free and waiting.tried:
                waiting.tried.clear()  # everyone refused once: ring them again a bit later
                waiting.retry = self._bus.call_later(RETRY_S, lambda w=waiting: self._retry(w))
                continue
            chosen = STRATEGIES[conf.strategy](free, Context(waiting.queue,
                                                             self._last.get(waiting.queue, "")))
            if chosen and waiting.hold is None:
                self._start_callback(waiting, chosen[0])  # rings the dispatcher first
                continue
            for agent in chosen:
                self._last[waiting.queue] = agent.name
                self._offer(waiting, agent, conf)

    def _free_for(self, waiting: Waiting) -> list[Agent]:
        return [a for a in self.agents.values()
                if a.state == AgentState.AVAILABLE and waiting.queue in a.queues
                and a.name not in waiting.tried]

    def _retry(self, waiting: Waiting) -> None:
        waiting.retry = None
        if waiting.call_id in self.waiting:
            self.dispatch()

    def _offer(self, waiting: Waiting, agent: Agent, conf: QueueConfig) -> None:
        leg_id = "leg-" + uuid.uuid4().hex[:12]
        offer = Offer(leg_id, waiting.call_id, agent.name)
        offer.timer = self._bus.call_later(conf.ring_timeout_s, lambda: self._ring_timeout(leg_id))
        self.offers[leg_id] = offer
        self._placed.add(leg_id)
        waiting.legs.add(leg_id)
        agent.leg_id = leg_id
        self._agent_fire(agent.name, AgentTrigger.OFFER)
        self._bus.publish(ev.DispatcherRinging(call_id=waiting.call_id, dispatcher=agent.name,
                                               leg_id=leg_id))
        self._control.originate(leg_id, agent.phone, caller_id=waiting.caller,
                                for_call=waiting.call_id)

    def _ring_timeout(self, leg_id: str) -> None:
        offer = self.offers.pop(leg_id, None)
        if offer is not None:
            self._control.hangup(leg_id, 487)
            self._refused(offer, "no answer in time", missed=True)

    def _refused(self, offer: Offer, reason: str, missed: bool = False) -> None:
        self._cancel(offer.timer)
        self._agent_fire(offer.agent, AgentTrigger.NO_ANSWER)
        if missed:  # rang out (not busy, not an error): counts towards auto-pause
            self._missed(self.agents[offer.agent])
        waiting = self.waiting.get(offer.call_id)
        if waiting is not None:
            waiting.legs.discard(offer.leg_id)
            waiting.tried.add(offer.agent)
        self._bus.publish(ev.DispatcherNoAnswer(call_id=offer.call_id, dispatcher=offer.agent,
                                                leg_id=offer.leg_id, reason=reason))
        self.dispatch()

    # ------------------------------------------------------------- helpers
    def _leave(self, call_id: str, keep_leg: str = "") -> Waiting:
        """Take a caller out of the queue; ring no one else for them."""
        waiting = self.waiting.pop(call_id)
        if waiting.hold is not None:
            waiting.hold.stop()
        self._cancel(waiting.retry)
        self._cancel(waiting.max_wait)
        for leg_id in waiting.legs - {keep_leg}:
            offer = self.offers.pop(leg_id, None)
            if offer is not None:
                self._cancel(offer.timer)
                self._control.hangup(leg_id, 487)
                self._agent_fire(offer.agent, AgentTrigger.CANCEL)
        self._queue_changed(waiting.queue)
        return waiting

    def _finish_talk(self, talk: Conversation) -> None:
        agent = self.agents[talk.agent]
        agent.calls_answered += 1
        agent.misses = 0
        length = self._now() - talk.started
        agent.talk_s += length
        old = self._handle_s.get(talk.queue, DEFAULT_HANDLE_S)
        self._handle_s[talk.queue] = old + 0.2 * (length - old)  # expected-wait estimate
        agent.leg_id = ""
        self._agent_fire(talk.agent, AgentTrigger.HANGUP)
        self._start_wrapup(agent, self._queues[talk.queue].wrapup_s)

    def _start_wrapup(self, agent: Agent, seconds: float) -> None:
        self._cancel(agent.wrapup_timer)  # an older wrap-up must not cut this one short
        agent.wrapup_timer = self._bus.call_later(seconds, lambda: self._wrapped(agent.name))

    def _wrapped(self, name: str) -> None:
        self.agents[name].wrapup_timer = None
        if self.agents[name].state == AgentState.WRAPUP:
            self._agent_fire(name, AgentTrigger.WRAPPED)
            self._fresh_dispatcher()

    def _fresh_dispatcher(self) -> None:
        """Someone just became free: callers waiting out a retry pause may ring at once."""
        for waiting in self.waiting.values():
            if waiting.retry is not None:
                waiting.retry.cancel()
                waiting.retry = None
        self.dispatch()

    def _end(self, call_id: str, disposition: str, cause: str, by: str) -> None:
        self._bus.publish(ev.CallEnded(call_id=call_id, disposition=disposition,
                                       hangup_cause=cause, ended_by=by))

    def _agent_fire(self, name: str, trigger: AgentTrigger) -> None:
        agent = self.agents[name]
        before = agent.state
        after = self._after_call(agent, agent.fire(trigger))
        if trigger == AgentTrigger.ANSWER:
            agent.misses = 0
        if after == AgentState.AVAILABLE and before != AgentState.AVAILABLE:
            agent.idle_since = self._now()
            if before == AgentState.RINGING:
                agent.leg_id = ""
        if after != AgentState.PAUSED:
            agent.pause_reason = ""
        if after != before:
            self._bus.publish(ev.DispatcherStateChanged(
                dispatcher=name, state=str(after), previous=str(before),
                reason=agent.pause_reason if after == AgentState.PAUSED else ""))

    @staticmethod
    def _cancel(timer: ev.Timer | None) -> None:
        if timer is not None:
            timer.cancel()

    # ---------------------------------------------------- queue lamp + status
    def _queue_changed(self, queue: str) -> None:
        members = [w for w in self.waiting.values() if w.queue == queue]
        longest = max((self._now() - w.since for w in members), default=0.0)
        over = longest > self._queues[queue].target_wait_s
        self._over[queue] = over
        self._bus.publish(ev.QueueChanged(queue=queue, waiting=len(members),
                                          longest_wait_s=round(longest, 1), over_target=over))
        if members and self._tick is None:
            self._tick = self._bus.call_later(1.0, self._check_targets)

    def _check_targets(self) -> None:
        """Once a second while anyone waits: tell the lamps when a caller passes the target."""
        self._tick = None
        for name, conf in self._queues.items():
            members = [w for w in self.waiting.values() if w.queue == name]
            over = any(self._now() - w.since > conf.target_wait_s for w in members)
            if over != self._over.get(name, False):
                self._queue_changed(name)  # may arm the next tick itself
        if self.waiting and self._tick is None:
            self._tick = self._bus.call_later(1.0, self._check_targets)

    # ------------------------------------------- dispatchers used outside the queue
    def reserve(self, name: str, leg_id: str) -> None:
        """A callback rings this dispatcher's phone: RINGING, so no caller is offered to them.
        Only a free (available) dispatcher can be reserved."""
        agent = self.agents.get(name)
        if agent is None:
            raise CallboxError(N_("no dispatcher named %(name)s"), name=name)
        if agent.state != AgentState.AVAILABLE:
            raise CallboxError(NOT_FREE.get(agent.state, NOT_FREE[AgentState.BUSY]), name=name)
        agent.leg_id = leg_id
        self._agent_fire(name, AgentTrigger.OFFER)

    def engaged(self, name: str) -> None:
        """The reserved dispatcher answered their phone: BUSY."""
        self._agent_fire(name, AgentTrigger.ANSWER)

    def release(self, name: str) -> None:
        """The callback is over: a dispatcher who never answered is free at once, one who
        answered wraps up first (the longest wrap-up of their queues)."""
        agent = self.agents[name]
        agent.leg_id = ""
        if agent.state == AgentState.RINGING:
            self._agent_fire(name, AgentTrigger.NO_ANSWER)
            self._fresh_dispatcher()
        elif agent.state == AgentState.BUSY:
            self._agent_fire(name, AgentTrigger.HANGUP)
            wrapups = [self._queues[q].wrapup_s for q in agent.queues if q in self._queues]
            self._start_wrapup(agent, max(wrapups, default=QueueConfig.wrapup_s))

    def status(self) -> dict:
        now = self._now()
        queues = [{"name": name, "waiting": [
            {"caller": w.caller, "since": w.since_wall.isoformat().replace("+00:00", "Z"),
             "call_id": w.call_id, "wait_s": round(now - w.since, 1),
             "callback": w.hold is None,
             "ringing": sorted(self.offers[l].agent for l in w.legs if l in self.offers)}
            for w in sorted(self.waiting.values(), key=lambda w: w.since) if w.queue == name]}
            for name in self._queues]
        agents = [{"name": a.name, "extension": a.extension, "state": str(a.state),
                   "calls_answered": a.calls_answered, "talk_s": round(a.talk_s, 1),
                   "pause_pending": a.pause_after, "logout_pending": a.logout_after,
                   "pause_reason": a.pause_reason, "auto_paused": a.pause_reason == "auto",
                   "queues": sorted(a.queues), "missed_in_a_row": a.misses,
                   "on_call": self._on_call(a.name)}
                  for a in self.agents.values()]
        return {"dispatchers": agents, "queues": queues}

    def _on_call(self, name: str) -> str | None:
        """The conversation a dispatcher is on: a queue call or a bridged callback."""
        talk = next((t.call_id for t in self.talks.values() if t.agent == name), None)
        if talk is None and self.callbacks is not None:
            talk = next((cb.call_id for cb in self.callbacks.talking()
                         if cb.dispatcher == name), None)
        return talk
