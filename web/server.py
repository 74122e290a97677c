"""Serving the app with waitress."""

from __future__ import annotations

import ctypes
import logging
import threading

from flask import Flask
from waitress import create_server
from waitress.server import BaseWSGIServer, MultiSocketServer

from appliance.errors import CallboxError
from web.context import EXTENSION

log = logging.getLogger("callbox.web")

# A live page (desk, wallboard) holds a worker thread for its SSE stream as long as it
# is open: 50 desks need 50 threads. An idle waitress thread costs ~0.1 MiB of RSS
# (docs/benchmarks.md, "Web memory"), so threads are sized for the office, not saved.
LIVE_PAGES = 52
SPARE_THREADS = 4  # kept free of SSE streams, so pages and the API always answer
THREADS = LIVE_PAGES + SPARE_THREADS
# Per worker thread: a 1 MiB stack instead of glibc's 8 MiB, and no malloc arena of its
# own (glibc gives busy threads up to 8 per core, 64 MiB of address space each, which
# fragment and keep RSS): two arenas are plenty for a web that mostly waits.
THREAD_STACK_BYTES = 1 << 20
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt() parameter number
# Idle or slow clients cannot exhaust the server: many sockets may wait (they cost no
# thread), an idle one is dropped after 30 s (live streams write every 15 s), and on the
# box only the TLS front on loopback may say who the client is (X-Forwarded-For/-Proto).
CLIENT_LIMITS = {"connection_limit": 1000, "channel_timeout": 30, "cleanup_interval": 10,
                 "trusted_proxy": "127.0.0.1", "trusted_proxy_count": 1,
                 "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}}


def make_server(app: Flask, host: str, port: int,
                threads: int = THREADS) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server, not yet running (``port=0`` picks a free port:
    ``server.effective_port``). Live pages hold a worker thread each, so they
    are capped at ``threads - SPARE_THREADS``."""
    app.extensions[EXTENSION].streams.limit = max(1, threads - SPARE_THREADS)
    lean_threads()
    try:
        return create_server(app, host=host, port=port, threads=threads, ident="callbox",
                             **CLIENT_LIMITS)
    except OSError as exc:  # e.g. the port is taken: one clear line and a non-zero exit
        raise CallboxError(f"the web cannot listen on {host}:{port}: {exc.strerror or exc}"
                           " (is another callbox or web server running there?)") from None


def lean_threads() -> None:
    """Make the threads created from now on small (see THREAD_STACK_BYTES)."""
    threading.stack_size(THREAD_STACK_BYTES)
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):  # not glibc: its allocator has its own limits
        pass


def serve(app: Flask, host: str, port: int, threads: int = THREADS) -> None:
    """Serve until interrupted."""
    server = make_server(app, host, port, threads)
    log.info("web listening on http://%s:%s", host, getattr(server, "effective_port", port))
    try:
        server.run()
    finally:
        server.close()
