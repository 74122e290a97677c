"""Voicemail on the web: /voicemail (list, listen, mark handled) and /api/voicemail."""

from web.voicemail.routes import bp

__all__ = ["bp"]
