/*
 * callbox's pjproject build settings. image-build/pjsua2/build-wheel.sh copies this file
 * to pjlib/include/pj/config_site.h before ./configure (docs/image.md, "The pjsua2
 * wheel"). Stock pjsua allows 4 calls, which is also why the PyPI x86_64 wheel is
 * useless for a box that bridges callers to dispatchers: every conversation takes two
 * calls (caller leg + dispatcher leg).
 *
 * Every limit below is read back by the core at run time (pjsua_call_get_max_count()
 * and friends); nothing in the Python code repeats these numbers.
 */
#ifndef CALLBOX_PJ_CONFIG_SITE_H
#define CALLBOX_PJ_CONFIG_SITE_H

/* Calls: 128 conversations (caller + dispatcher leg each) — a busy office's peak is a
 * few dozen; the rest is headroom for floods that are turned away with 486/503. */
#define PJSUA_MAX_CALLS                 256
#define PJSUA_MAX_ACC                   16      /* trunks + local accounts */

/* Sockets: SIP transports + RTP and RTCP for every call (2 x 256), plus spares. The
 * epoll ioqueue (configure --enable-epoll) has no FD_SETSIZE ceiling and costs O(ready)
 * per poll instead of select()'s O(sockets) — measured cheaper with hundreds of RTP
 * sockets (docs/benchmarks.md). */
#define PJ_IOQUEUE_MAX_HANDLES          2048
#define PJSIP_MAX_TSX_COUNT             (16 * 1024 - 1)
#define PJSIP_MAX_DIALOG_COUNT          (16 * 1024 - 1)

/* Media: a prompt player and a recorder may be attached to every call, and each GSM
 * line enters the conference bridge as its own AudioMediaPort. */
#define PJSUA_MAX_PLAYERS               256
#define PJSUA_MAX_RECORDERS             256
#define PJSUA_MAX_CONF_PORTS            1024    /* stock 254; calls+players+recorders+GSM */

/* Telephone audio only: 8 kHz narrowband, no video, no resampling to wideband. */
#define PJMEDIA_HAS_VIDEO               0
#define PJSUA_DEFAULT_CLOCK_RATE        8000
#define PJSUA_DEFAULT_AUDIO_FRAME_PTIME 20
#define PJMEDIA_CONF_USE_SWITCH_BOARD   0

/* DTMF by RFC 2833 with any payload type the caller offers is pjmedia's default;
 * keep the jitter buffer small for a LAN. */
#define PJMEDIA_JB_DEFAULT_MAX_DELAY    200

/* IPv6 on the LAN works out of the box. */
#define PJ_HAS_IPV6                     1

#endif /* CALLBOX_PJ_CONFIG_SITE_H */
