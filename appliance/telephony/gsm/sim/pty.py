"""One end of a simulated USB serial port: a pty master, and a stable symlink to its
slave (the way /dev/serial/by-id/ names follow a modem across re-enumeration).
"""

from __future__ import annotations

import os
import select
import tty


class PtyEnd:
    def __init__(self, link: str):
        self.link = link
        self.fd, slave = os.openpty()
        # Never block the simulator on a box that stops reading: drop output instead.
        os.set_blocking(self.fd, False)
        # Raw before anyone opens it: a cooked pty would echo our own output back.
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        tmp = f"{link}.tmp{os.getpid()}"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(self.path, tmp)
        os.replace(tmp, link)

    def write(self, data: bytes, wait: float = 0.2) -> None:
        """Write all of ``data`` unless the reader stalls for ``wait`` seconds (then drop)."""
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view):]
            except BlockingIOError:
                if not select.select([], [self.fd], [], wait)[1]:
                    return

    def close(self) -> None:
        """Like pulling the cable: the box's next read or write fails."""
        if self.fd >= 0:
            try:
                os.close(self.fd)
            finally:
                self.fd = -1
        if os.path.islink(self.link) and os.readlink(self.link) == self.path:
            os.unlink(self.link)
