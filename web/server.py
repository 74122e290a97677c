"""Serving the app with waitress."""

from __future__ import annotations

import logging

from flask import Flask
from waitress import create_server
from waitress.server import BaseWSGIServer, MultiSocketServer

from web.context import EXTENSION

log = logging.getLogger("callbox.web")

THREADS = 16
SPARE_THREADS = 4  # kept free of SSE streams, so pages and the API always answer
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
    return create_server(app, host=host, port=port, threads=threads, ident="callbox",
                         **CLIENT_LIMITS)


def serve(app: Flask, host: str, port: int, threads: int = THREADS) -> None:
    """Serve until interrupted."""
    server = make_server(app, host, port, threads)
    log.info("web listening on http://%s:%s", host, getattr(server, "effective_port", port))
    try:
        server.run()
    finally:
        server.close()
