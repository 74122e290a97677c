"""The AT channel: one reader thread per serial port, one command at a time.

Every line the reader frames goes through, in order:
1. a multi-line URC being gathered (``+CMT:`` and its PDU, a multi-line ``+CUSD:``);
2. the echo of the pending command (echo may be on after a modem reboot) — dropped;
3. a line the pending command asked for by prefix (``+CLCC:`` while ``AT+CLCC`` runs);
4. the URC table — matched URCs are removed here, before any response is parsed;
5. the pending command's final result (``OK``, ``ERROR``, ``+CME ERROR: …``) or body.
The reader never dies on bad bytes or a failing handler; only an I/O error (the
port went away) ends it, and then ``on_lost`` is told once.

Completion is atomic: the final result detaches the command under the same lock
that routes lines, so a line right behind an ``OK`` in the same read (``+CMTI``,
``NO CARRIER``, ``RING``) is unsolicited — never appended to the finished reply,
never a second result that overwrites it — and a new command is attached and
written under that lock, so no line is routed to it before it was sent.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from appliance.errors import AtCommandError, AtTimeout, ModemError
from appliance.telephony.gsm.framing import LineFramer
from appliance.telephony.gsm.parsers import AtError, parse_final
from appliance.telephony.gsm.urc import MAX_URC_LINES, UrcRule, UrcTable

log = logging.getLogger("callbox.gsm.channel")
raw_log = logging.getLogger("callbox.gsm.at")  # raw traffic; off unless DEBUG is enabled

CTRL_Z = "\x1a"


class SerialPort(Protocol):
    """The part of ``serial.Serial`` the channel uses."""

    in_waiting: int

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def close(self) -> None: ...


class CommandFailed(AtCommandError):
    """The modem answered with an error; ``error`` says which (CME/CMS number, text)."""

    def __init__(self, command: str, error: AtError, lines: list[str]):
        super().__init__(command, error.code)
        self.error = error
        self.lines = lines


class PortLost(ModemError):
    """The serial port reported an I/O error (unplugged, powered off)."""


Expect = str | Callable[[str], bool] | None


@dataclass
class _Pending:
    cmd: str
    expect: Expect
    data: str | None
    call_control: bool
    lines: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    prompt: threading.Event = field(default_factory=threading.Event)
    ok: bool = False
    error: AtError | None = None
    lost: Exception | None = None


class AtChannel:
    def __init__(self, port: SerialPort, urcs: UrcTable,
                 on_lost: Callable[[Exception], None], name: str = "gsm"):
        self._port = port
        self._urcs = urcs
        self._on_lost = on_lost
        self.name = name
        self._framer = LineFramer(keep_blank=True)
        self._cmd_lock = threading.Lock()  # one command at a time
        # Guards _pending and _urc and is held while a line is routed (handlers only post).
        self._lock = threading.RLock()
        self._pending: _Pending | None = None
        self._urc: tuple[UrcRule, object, list[str]] | None = None
        self._closing = False
        self._lost: Exception | None = None
        self._thread: threading.Thread | None = None
        self._quiet_after_timeout = False
        self._last_line = 0.0

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._read_loop, name=f"at-{self.name}",
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closing = True
        try:
            self._port.close()
        except Exception:  # closing a port that already failed
            log.debug("close failed line=%s", self.name, exc_info=True)
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(2.0)

    @property
    def alive(self) -> bool:
        return self._lost is None and not self._closing

    # -- commands ------------------------------------------------------------------
    def command(self, cmd: str, timeout: float = 5.0, expect: Expect = None,
                data: str | None = None) -> list[str]:
        """Send ``cmd`` and return its response lines (echo, URCs and OK removed).

        ``expect``: a prefix (or a test of the line) whose lines belong to this
        response even though the same prefix is also a URC (``+CLCC:``, ``+CREG:``).
        ``data``: sent after the ``>`` prompt and ended with Ctrl-Z (AT+CMGS).
        """
        with self._cmd_lock:
            if self._lost is not None or self._closing:
                raise PortLost(f"{self.name}: port is gone ({self._lost})")
            self._wait_quiet()
            pending = _Pending(cmd=cmd, expect=expect, data=data,
                               call_control=cmd.upper().startswith(("ATD", "ATA")))
            try:
                with self._lock:  # attach and send as one step (see the module doc)
                    self._pending = pending
                    self._write(cmd + "\r")
                if data is not None:
                    if not pending.prompt.wait(timeout) and not pending.done.is_set():
                        raise AtTimeout(cmd, pending.lines)
                    if not pending.done.is_set():
                        self._write(data + CTRL_Z)
                if not pending.done.wait(timeout):
                    # Its late result must not finish the next command: that one waits
                    # until the port has been quiet for a moment (see _wait_quiet).
                    self._quiet_after_timeout = True
                    self._last_line = time.monotonic()  # quiet is counted from here
                    raise AtTimeout(cmd, pending.lines)
            finally:
                with self._lock:
                    if self._pending is pending:  # timed out or failed: detach it
                        self._pending = None
        if pending.lost is not None:
            raise PortLost(f"{self.name}: port lost during {cmd!r}: {pending.lost}")
        if not pending.ok:
            assert pending.error is not None
            raise CommandFailed(cmd, pending.error, pending.lines)
        return pending.lines

    def _wait_quiet(self, quiet: float = 0.2, limit: float = 1.0) -> None:
        """After a timeout: wait until neither the timeout nor a line happened for
        ``quiet`` s (at most ``limit``), so a late OK of the command that timed out is
        routed as unsolicited instead of finishing this one."""
        if not self._quiet_after_timeout:
            return
        self._quiet_after_timeout = False
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and time.monotonic() - self._last_line < quiet:
            time.sleep(0.02)

    def _write(self, text: str) -> None:
        raw_log.debug("%s --> %r", self.name, text)
        try:
            self._port.write(text.encode("ascii", errors="replace"))
        except Exception as exc:  # pyserial raises SerialException/OSError on a pulled port
            self._lose(exc)
            raise PortLost(f"{self.name}: write failed: {exc}") from exc

    # -- reader ----------------------------------------------------------------------
    def _read_loop(self) -> None:
        while not self._closing:
            try:
                chunk = self._port.read(self._port.in_waiting or 1)
            except Exception as exc:  # any I/O failure ends this port's life
                if not self._closing:
                    self._lose(exc)
                return
            if not chunk:
                continue
            raw_log.debug("%s <-- %r", self.name, chunk)
            try:
                self._feed(chunk)
            except Exception:  # never a dead reader over one bad line
                log.exception("line handling failed line=%s", self.name)

    def _feed(self, chunk: bytes) -> None:
        for line in self._framer.feed(chunk):
            self._on_line(line)
        with self._lock:
            pending = self._pending
        if pending is not None and pending.data is not None and self._framer.take_prompt():
            pending.prompt.set()

    def abort_call_command(self) -> bool:
        """Abort a pending ATD/ATA (V.250: any character does); from any thread.

        The modem then ends the command with ``NO CARRIER`` or ``OK``. True when a
        call command was pending."""
        with self._lock:
            pending = self._pending
            if pending is None or not pending.call_control or pending.done.is_set():
                return False
            try:
                self._write("\r")
            except PortLost:
                return False
            return True

    def _on_line(self, line: str) -> None:
        self._last_line = time.monotonic()
        with self._lock:  # routing and completion are one step (see the module doc)
            self._route(line)

    def _route(self, line: str) -> None:
        pending, gathering = self._pending, self._urc
        if gathering is not None:
            rule, match, lines = gathering
            if not line and not rule.keeps_blank:
                return
            lines.append(line)
            if rule.more is None or not rule.more(lines) or len(lines) >= MAX_URC_LINES:
                self._urc = None
                self._dispatch(rule, match, lines)
            return
        if not line:
            return  # a blank line only matters inside a multi-line URC
        if pending is not None and self._is_echo(pending, line):
            return
        if pending is not None and pending.data is not None and line == ">":
            pending.prompt.set()
            return
        if pending is not None and _expected(pending.expect, line):
            pending.lines.append(line)
            return
        hit = self._urcs.match(line)
        if hit is not None:
            self._on_urc(hit[0], hit[1], line, pending)
            return
        if pending is not None:
            self._on_response_line(pending, line)
            return
        log.debug("unmatched unsolicited line=%s text=%r", self.name, line)

    @staticmethod
    def _is_echo(pending: _Pending, line: str) -> bool:
        if line == pending.cmd:
            return True
        return bool(pending.data) and pending.data in line

    def _on_urc(self, rule: UrcRule, match, line: str, pending: _Pending | None) -> None:
        if rule.ends_call_command and pending is not None and pending.call_control:
            final = parse_final(line)
            if final is not None:
                self._complete(pending, *final)
        if rule.more is not None and rule.more([line]):
            self._urc = (rule, match, [line])
            return
        self._dispatch(rule, match, [line])

    def _on_response_line(self, pending: _Pending, line: str) -> None:
        final = parse_final(line)
        if final is None:
            pending.lines.append(line)
        else:
            self._complete(pending, *final)

    def _complete(self, pending: _Pending, ok: bool, error: AtError | None) -> None:
        """Detach and finish ``pending`` once; a second final result is a URC's business."""
        with self._lock:
            if pending.done.is_set():
                return
            if self._pending is pending:
                self._pending = None
            pending.ok, pending.error = ok, error
            pending.done.set()

    def _dispatch(self, rule: UrcRule, match, lines: list[str]) -> None:
        try:
            rule.handler(match, lines)
        except Exception:  # a handler bug must not stop the reader
            log.exception("URC handler failed line=%s urc=%r", self.name, lines[0])

    def _lose(self, exc: Exception) -> None:
        """The port failed; the pending command (if any) fails with it."""
        with self._lock:
            if self._lost is not None:
                return
            self._lost = exc
            pending = self._pending
        log.warning("port lost line=%s error=%s", self.name, exc)
        if pending is not None and not pending.done.is_set():
            pending.lost = exc
            pending.done.set()
            pending.prompt.set()
        try:
            self._on_lost(exc)
        except Exception:
            log.exception("on_lost handler failed line=%s", self.name)


def _expected(expect: Expect, line: str) -> bool:
    if expect is None:
        return False
    if callable(expect):
        return expect(line)
    return line.startswith(expect)
