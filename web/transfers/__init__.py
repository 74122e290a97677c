"""Transfers between dispatchers from the live page (and the API)."""

from web.transfers.routes import bp

__all__ = ["bp"]
