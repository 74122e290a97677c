"""Split a modem's byte stream into lines.

Tolerant on purpose: CR, LF, CRLF and CR CR LF all end a line; a line may arrive
over several reads; bytes that are not UTF-8 (0xFF after a brown-out, noise on a
UART) become U+FFFD instead of an exception; NULs are dropped. The SMS prompt
``"> "`` has no line end, so it is offered separately through :meth:`take_prompt`.
"""

from __future__ import annotations

MAX_LINE = 4096  # a longer run without a line end is flushed as one line (garbage)


class LineFramer:
    def __init__(self, max_line: int = MAX_LINE):
        self._buf = bytearray()
        self._max = max_line

    def feed(self, data: bytes) -> list[str]:
        """Add bytes; return the complete, non-empty lines they finished."""
        self._buf += data.replace(b"\x00", b"")
        lines: list[str] = []
        while True:
            cut = _first_eol(self._buf)
            if cut < 0:
                break
            raw = bytes(self._buf[:cut])
            del self._buf[:cut + 1]
            text = _decode(raw).strip()
            if text:
                lines.append(text)
        if len(self._buf) > self._max:
            lines.append(_decode(bytes(self._buf)).strip())
            self._buf.clear()
        return lines

    @property
    def partial(self) -> str:
        return _decode(bytes(self._buf))

    def take_prompt(self) -> bool:
        """Consume a pending ``>`` prompt (AT+CMGS waits for it before the PDU)."""
        if self._buf.strip() == b">":
            self._buf.clear()
            return True
        return False

    def reset(self) -> None:
        self._buf.clear()


def _first_eol(buf: bytearray) -> int:
    cr, lf = buf.find(b"\r"), buf.find(b"\n")
    if cr < 0:
        return lf
    if lf < 0:
        return cr
    return min(cr, lf)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
