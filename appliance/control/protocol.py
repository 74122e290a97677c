"""Wire format of the core's control socket: newline-delimited JSON over a Unix socket.

Requests (client -> core), one JSON object per line:
  {"op": "status"}                               -> {"ok": true, "status": {...}}
  {"op": "action", "name": N, "args": {...}}     -> {"ok": true, "result": ...}
  {"op": "subscribe"}                            -> {"ok": true, "subscribed": true}, then
                                                    {"event": Name, "data": {...}} lines and
                                                    {"event": "heartbeat", "data": {"dropped": n}}
Failures answer {"ok": false, "error": CODE, "message": "..."}; the connection stays usable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HEARTBEAT_S = 10.0
MAX_LINE = 64 * 1024  # a request longer than this is refused (and the connection closed)
HEARTBEAT = "heartbeat"

# Error codes a reply may carry in "error".
BAD_JSON = "bad_json"
BAD_REQUEST = "bad_request"
UNKNOWN_OP = "unknown_op"
UNKNOWN_ACTION = "unknown_action"
BAD_ARGS = "bad_args"
ACTION_FAILED = "action_failed"
INTERNAL = "internal"
LINE_TOO_LONG = "line_too_long"


def socket_path(data_dir: Path | str) -> Path:
    """Where the core listens: ``<data>/run/core.sock``."""
    return Path(data_dir) / "run" / "core.sock"


def encode(message: dict[str, Any]) -> bytes:
    """One message as one line (compact JSON; never contains a raw newline)."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """Parse one line; raises ValueError when it is not a JSON object."""
    message = json.loads(line.decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    return message


def error(code: str, message: str, msgid: str | None = None,
          params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A failure reply; ``msgid``/``params`` let the web show ``message`` translated."""
    reply: dict[str, Any] = {"ok": False, "error": code, "message": message}
    if msgid:
        reply.update(msgid=msgid, params=_plain(params or {}))
    return reply


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Params as JSON can carry them: numbers and text (anything else as text)."""
    return {k: v if isinstance(v, (int, float, str)) else str(v) for k, v in params.items()}


def event_line(name: str, data: dict[str, Any]) -> bytes:
    return encode({"event": name, "data": data})


class LineReader:
    """Splits a byte stream into lines, refusing lines longer than ``limit``."""

    def __init__(self, limit: int = MAX_LINE):
        self._buf = bytearray()
        self._limit = limit

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buf += chunk
        lines = []
        while True:
            cut = self._buf.find(b"\n")
            if cut < 0:
                break
            lines.append(bytes(self._buf[:cut]))
            del self._buf[:cut + 1]
        if len(self._buf) > self._limit:
            raise ValueError(f"line longer than {self._limit} bytes")
        return lines
