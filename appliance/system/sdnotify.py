"""Tell systemd how the service is doing (the sd_notify protocol, no libsystemd).

The core runs as ``Type=notify`` with ``WatchdogSec=``: it sends ``READY=1`` once SIP
and the modems are up and ``WATCHDOG=1`` from its main loop, so a hung loop is killed
and restarted by systemd. Outside systemd (demo, tests) ``NOTIFY_SOCKET`` is unset and
every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger("callbox.system.sdnotify")


class SdNotifier:
    """Sends state lines to the datagram socket systemd names in ``NOTIFY_SOCKET``."""

    def __init__(self, socket_path: str | None = None, *, use_env: bool = True):
        if socket_path is None and use_env:
            socket_path = os.environ.get("NOTIFY_SOCKET")
        self._address = _address(socket_path) if socket_path else None
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def ready(self) -> bool:
        return self.notify("READY=1")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        # STATUS is one line in `systemctl status`; a newline would end the field.
        return self.notify("STATUS=" + " ".join(text.splitlines()))

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def notify(self, message: str) -> bool:
        """Send one message; True when sent. Never raises: a lost ping must not kill the core."""
        if self._address is None:
            return False
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(message.encode("utf-8"), self._address)
            return True
        except OSError as exc:
            log.warning("sd_notify %r failed: %s", message.split("=", 1)[0], exc)
            return False

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _address(path: str) -> str | bytes:
    # A leading "@" names a socket in the abstract namespace (leading NUL byte).
    if path.startswith("@"):
        return b"\0" + path[1:].encode("utf-8")
    return path


def watchdog_interval_s(environ: dict[str, str] | None = None) -> float | None:
    """Half of systemd's WatchdogSec (WATCHDOG_USEC), as sd_watchdog_enabled() advises.

    None when no watchdog is configured for this process.
    """
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 2_000_000 if value > 0 else None
