"""callbox web: the Flask app (live page, call log, JSON API, SSE) served by waitress."""

from web.app import create_app
from web.server import make_server, serve

__all__ = ["create_app", "make_server", "serve"]
