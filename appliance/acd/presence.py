"""Dispatcher states as people change them: log in/out, pause with a reason, auto-pause.

Mixed into :class:`~appliance.acd.acd.Acd` (needs its ``agents``, ``_agent_fire``,
``_fresh_dispatcher``, ``_bus``, ``_settings``). Runs on the bus worker. A change asked
for during a call (ringing or talking) takes effect when the call ends.
"""

from __future__ import annotations

import logging

from appliance import events as ev
from appliance.acd.agents import Agent, AgentState, AgentTrigger
from appliance.errors import CallboxError
from appliance.i18n import N_

log = logging.getLogger("callbox.acd")

AUTO_REASON = "auto"  # paused by the box after too many unanswered offers
_ON_CALL = (AgentState.BUSY, AgentState.RINGING)


class PresenceMixin:
    def _agent(self, name: str) -> Agent:
        agent = self.agents.get(name)
        if agent is None:
            raise CallboxError(N_("no dispatcher named %(name)s"), name=name)
        return agent

    def _check_reason(self, reason: str) -> str:
        reason = (reason or "").strip()
        allowed = self._settings.pause_reasons
        if reason and reason != AUTO_REASON and allowed and reason not in allowed:
            raise CallboxError(N_("unknown pause reason %(reason)s (allowed: %(allowed)s)"),
                               reason=reason, allowed=", ".join(allowed))
        return reason

    def set_paused(self, name: str, paused: bool, reason: str = "") -> str:
        agent = self._agent(name)
        reason = self._check_reason(reason) if paused else ""
        if agent.state == AgentState.OFFLINE:
            raise CallboxError(N_("dispatcher %(name)s is offline"), name=name)
        if agent.state in _ON_CALL:
            if agent.pause_after != paused:  # takes effect when this call ends
                agent.pause_after = paused
                agent.pause_reason = reason
                self._bus.publish(ev.PauseRequested(dispatcher=name, pending=paused))
        elif paused:
            agent.pause_reason = reason if agent.state != AgentState.PAUSED else agent.pause_reason
            self._agent_fire(name, AgentTrigger.PAUSE)
        elif agent.state == AgentState.PAUSED:
            agent.misses = 0
            self._agent_fire(name, AgentTrigger.RESUME)
            self._fresh_dispatcher()
        else:
            agent.pause_after = False  # not paused (free or wrapping up): nothing to resume
        return str(agent.state)

    def toggle_pause(self, name: str) -> str:
        """The desk button and ``*3``: pause when working, resume when paused."""
        agent = self._agent(name)
        paused = agent.state == AgentState.PAUSED or agent.pause_after
        return self.set_paused(name, not paused)

    def login(self, name: str) -> str:
        agent = self._agent(name)
        agent.logout_after = False
        if agent.state == AgentState.OFFLINE:
            agent.misses = 0
            self._agent_fire(name, AgentTrigger.LOGIN)
            self._fresh_dispatcher()
        return str(agent.state)

    def logout(self, name: str) -> str:
        """Logged out: never rung, shown offline. During a call: after it."""
        agent = self._agent(name)
        if agent.state in _ON_CALL:
            agent.logout_after = True
            self._bus.publish(ev.PauseRequested(dispatcher=name, pending=agent.pause_after))
        else:
            agent.pause_after = False
            self._agent_fire(name, AgentTrigger.LOGOUT)
        return str(agent.state)

    def _missed(self, agent: Agent) -> None:
        """An offer rang out. ``[acd] auto_pause_after`` in a row pause the dispatcher."""
        agent.misses += 1
        limit = self._settings.auto_pause_after
        if limit and agent.misses >= limit and agent.state == AgentState.AVAILABLE:
            log.warning("dispatcher %s paused: %d offers in a row not answered", agent.name,
                        agent.misses)
            agent.pause_reason = AUTO_REASON
            self._agent_fire(agent.name, AgentTrigger.PAUSE)

    def _after_call(self, agent: Agent, after: AgentState) -> AgentState:
        """A pause or log-out asked for during the call starts now (from _agent_fire)."""
        if after not in (AgentState.AVAILABLE, AgentState.WRAPUP):
            return after
        if agent.logout_after:
            agent.logout_after = agent.pause_after = False
            return agent.fire(AgentTrigger.LOGOUT)
        if agent.pause_after:
            agent.pause_after = False
            return agent.fire(AgentTrigger.PAUSE)
        return after
