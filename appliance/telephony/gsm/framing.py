"""Split a modem's byte stream into lines.

Tolerant on purpose: CR, LF, CRLF and CR CR LF all end a line; a line may arrive
over several reads; bytes that are not UTF-8 (0xFF after a brown-out, noise on a
UART) become U+FFFD instead of an exception; NULs are dropped. The SMS prompt
``"> "`` has no line end, so it is offered separately through :meth:`take_prompt`.

Blank lines: ``keep_blank=True`` also returns the empty lines a modem sends on
purpose (a blank line inside a multi-line USSD answer: ``\r\n\r\n`` or ``\n\n``);
one CR with any CRs and one LF after it is a single line end, so ``\r\r\n`` (echo
on) never makes one. The channel drops them except inside a multi-line URC.
"""

from __future__ import annotations

MAX_LINE = 4096  # a longer run without a line end is flushed as one line (garbage)


class LineFramer:
    def __init__(self, max_line: int = MAX_LINE, keep_blank: bool = False):
        self._buf = bytearray()
        self._max = max_line
        self._keep_blank = keep_blank
        self._after_cr = False  # the last line ended in CR: its CRs/LF may follow

    def feed(self, data: bytes) -> list[str]:
        """Add bytes; return the complete lines they finished (non-empty unless
        ``keep_blank``)."""
        self._buf += data.replace(b"\x00", b"")
        lines: list[str] = []
        while True:
            self._swallow_line_end()
            cut = _first_eol(self._buf)
            if cut < 0:
                break
            raw = bytes(self._buf[:cut])
            self._after_cr = self._buf[cut] == 0x0D
            del self._buf[:cut + 1]
            text = _decode(raw).strip()
            if text or (self._keep_blank and not raw.strip(b" ")):
                lines.append(text)
        if len(self._buf) > self._max:
            lines.append(_decode(bytes(self._buf)).strip())
            self._buf.clear()
        return lines

    def _swallow_line_end(self) -> None:
        """After a CR: more CRs and one LF belong to the same line end."""
        if not self._after_cr:
            return
        i = 0
        while i < len(self._buf) and self._buf[i] == 0x0D:
            i += 1
        if i < len(self._buf) and self._buf[i] == 0x0A:
            i += 1
            self._after_cr = False
        elif i < len(self._buf):
            self._after_cr = False
        del self._buf[:i]

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
        self._after_cr = False


def _first_eol(buf: bytearray) -> int:
    cr, lf = buf.find(b"\r"), buf.find(b"\n")
    if cr < 0:
        return lf
    if lf < 0:
        return cr
    return min(cr, lf)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
