"""Dispatcher states from the web: log in, log out, pause reasons, pause report."""

from web.queues.routes import bp

__all__ = ["bp"]
