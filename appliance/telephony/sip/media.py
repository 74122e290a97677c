"""Media half of the SIP engine: prompts, bridging and external (GSM) ports.

Mixed into :class:`SipEngine`; every method runs on the engine's own thread,
except the player's end-of-file callback (media clock), which only publishes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pjsua2 as pj

from appliance import events as ev
from appliance.telephony.ports import FrameSource
from appliance.telephony.sip import pjobjects
from appliance.telephony.sip.watchdog import CallWatch

if TYPE_CHECKING:
    from appliance.telephony.sip.engine import Leg

log = logging.getLogger("callbox.sip")

_LIVE = (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD)  # a port to connect


class MediaMixin:
    """Needs ``self._legs``, ``self._paths``, ``self._graveyard``, ``self._publish`` from
    the engine.

    A re-INVITE that changes a call's media (a phone's Hold and Resume change the
    direction) makes pjsua destroy the call's stream and its conference port, with every
    connection to and from it, and add a new port (pjsua_media.c is_media_changed). So
    every leg→leg path is kept in ``_paths`` and remade on the new port, with the leg's
    player and whatever registered in ``leg.extra["renew"]`` (recorders)."""

    def on_stream_destroyed(self, leg_id: str, index: int) -> None:
        """RTP counters of a leg at its end: the first thing to read when audio is missing."""
        leg = self._legs.get(leg_id)
        if leg is None or leg.call is None:
            return
        if not leg.ended and leg.media is not None:
            leg.extra["media_gone"] = True  # a re-INVITE: on_media_state brings the new port
        try:
            stat = leg.call.getStreamStat(index).rtcp
        except pj.Error:
            return
        leg.extra["rtp"] = {"rx": stat.rxStat.pkt, "tx": stat.txStat.pkt, "lost": stat.rxStat.loss}
        log.info("leg=%s rtp rx=%d tx=%d lost=%d", leg_id, stat.rxStat.pkt, stat.txStat.pkt,
                 stat.rxStat.loss)

    def on_media_state(self, leg_id: str) -> None:
        leg = self._legs.get(leg_id)
        if leg is None or leg.ended:
            return
        info = leg.call.getInfo()
        for index, media in enumerate(info.media):
            if media.type != pj.PJMEDIA_TYPE_AUDIO or media.status not in _LIVE:
                continue
            held = media.status == pj.PJSUA_CALL_MEDIA_REMOTE_HOLD
            if leg.media is None:
                leg.media = leg.call.getAudioMedia(index)
                leg.extra["media_index"] = index  # the stream the watchdog samples
                self._media_ready(leg)
            elif leg.extra.pop("media_gone", False):
                self._media_renewed(leg, leg.call.getAudioMedia(index))
            if held != leg.extra.get("held", False):
                leg.extra["held"] = held
                log.info("leg=%s %s by the far end", leg_id, "held" if held else "resumed")
                self._publish(ev.LegHeld(leg_id=leg_id, held=held))
            return

    def _media_renewed(self, leg: Leg, media) -> None:
        leg.media = media
        remade = 0
        for a_id, b_id in list(self._paths):
            if leg.leg_id in (a_id, b_id):
                a, b = self._legs.get(a_id), self._legs.get(b_id)
                if a and b and not a.ended and not b.ended and a.media and b.media:
                    a.media.startTransmit(b.media)
                    remade += 1
        if leg.player is not None:
            leg.player.startTransmit(media)
        for renew in leg.extra.get("renew", ()):
            renew(leg)
        log.info("leg=%s audio port renewed after a re-INVITE: %d paths remade", leg.leg_id,
                 remade)

    def _media_ready(self, leg: Leg) -> None:
        if leg.pending_bridge:
            other = leg.pending_bridge
            leg.pending_bridge = ""
            self._do_bridge(leg.leg_id, other)
        elif leg.pending_play:
            files, loop, token = leg.pending_play
            leg.pending_play = None
            self._do_play(leg.leg_id, files, loop, token)

    def on_player_eof(self, leg_id: str, token: int) -> None:
        # Media clock thread: only publish (the bus queue is thread-safe).
        self._publish(ev.PromptFinished(call_id=leg_id, token=token))

    def _do_play(self, leg_id: str, files: list[str], loop: bool, token: int) -> None:
        leg = self._legs.get(leg_id)
        if leg is None or leg.ended:
            return
        if leg.media is None:
            leg.pending_play = (files, loop, token)
            return
        self._stop_player(leg)
        player = pjobjects.EnginePlayer(self, leg_id, token)
        try:
            if len(files) == 1:
                player.createPlayer(files[0], 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
            else:
                names = pj.StringVector(files)
                player.createPlaylist(names, "", 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        except pj.Error as exc:
            log.error("call_id=%s cannot play %s: %s", leg_id, files, exc.info())
            self._publish(ev.PromptFinished(call_id=leg_id, token=token))
            return
        player.startTransmit(leg.media)
        leg.player = player

    def _stop_player(self, leg: Leg) -> None:
        # Cut the player off first, so the bridge stops reading it, and destroy it only
        # later (graveyard.py: destroyed while still read, it crashed pjmedia's event
        # thread at end of file). Only while the leg lives: pjmedia 2.15 queues conference
        # operations, and a disconnect queued after a call's port is gone asserts; an
        # ended leg's port takes its connections with it.
        leg.pending_play = None
        player, leg.player = leg.player, None
        if player is None:
            return
        if not leg.ended and leg.media is not None:
            try:
                player.stopTransmit(leg.media)
            except pj.Error as exc:
                log.debug("leg=%s stop player: %s", leg.leg_id, exc.info())
        self._graveyard.append(player)  # destroyed a second later, never in a callback

    def _do_stop_play(self, leg_id: str) -> None:
        leg = self._legs.get(leg_id)
        if leg is not None:
            self._stop_player(leg)

    def _do_bridge(self, a_id: str, b_id: str) -> None:
        a, b = self._legs.get(a_id), self._legs.get(b_id)
        if a is None or b is None or a.ended or b.ended:
            log.warning("bridge %s<->%s: a leg is gone", a_id, b_id)
            return
        for leg, other in ((a, b), (b, a)):
            if leg.media is None:
                leg.pending_bridge = other.leg_id
                return
        self._stop_player(a)
        self._stop_player(b)
        a.media.startTransmit(b.media)
        b.media.startTransmit(a.media)
        self._paths |= {(a_id, b_id), (b_id, a_id)}
        a.peer, b.peer = b.leg_id, a.leg_id

    def _do_attach(self, call_id: str, source: FrameSource, inbound: bool, for_call: str) -> None:
        port = pjobjects.FramePort(source)
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, 8000, 1, 20000, 16)
        port.createPort(f"ext-{call_id[:8]}", fmt)
        from appliance.telephony.sip.engine import Leg  # the registry's record type
        # The watch only measures dead air here: the GSM line owns its call's other timeouts.
        leg = Leg(call_id, None, inbound=inbound, for_call=for_call, media=port, port=port,
                  watch=CallWatch(self.settings.limits, self._clock(), inbound=inbound))
        leg.answered = True
        self._legs[call_id] = leg
