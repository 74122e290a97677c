"""Call recordings: listed and played in the browser by supervisors and admins."""

from web.recordings.routes import bp

__all__ = ["bp"]
