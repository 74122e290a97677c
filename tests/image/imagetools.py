"""Helpers of the image tests: read partitions without mounting, boot a copy in qemu."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SECTOR = 512


@dataclass(frozen=True)
class Partition:
    number: int
    start: int  # bytes
    size: int  # bytes
    type: str
    bootable: bool


def partitions(image: Path) -> list[Partition]:
    table = json.loads(subprocess.run(["sfdisk", "--json", str(image)], check=True,
                                      capture_output=True, text=True).stdout)["partitiontable"]
    assert table["label"] == "dos"
    return [Partition(i + 1, p["start"] * SECTOR, p["size"] * SECTOR, p["type"], bool(p.get("bootable")))
            for i, p in enumerate(table["partitions"])]


class Disk:
    """Read (and, for the boot copy, write) files inside the image's partitions."""

    def __init__(self, image: Path):
        self.image = image
        self.parts = partitions(image)

    def fat(self, *args: str, check: bool = True) -> str:
        spec = f"{self.image}@@{self.parts[0].start}"
        done = subprocess.run([args[0], "-i", spec, *args[1:]], capture_output=True, text=True,
                              env={**os.environ, "MTOOLS_SKIP_CHECK": "1"})
        if check and done.returncode != 0:
            raise AssertionError(f"{args}: {done.stderr}")
        return done.stdout

    def fat_read(self, name: str) -> bytes:
        spec = f"{self.image}@@{self.parts[0].start}"
        return subprocess.run(["mtype", "-i", spec, f"::{name}"], check=True, capture_output=True,
                              env={**os.environ, "MTOOLS_SKIP_CHECK": "1"}).stdout

    def fat_write(self, local: Path, name: str) -> None:
        self.fat("mcopy", "-o", str(local), f"::{name}")

    def ext4_spec(self, number: int) -> str:
        # e2fsprogs opens a file system at a byte offset inside a disk image.
        return f"{self.image}?offset={self.parts[number - 1].start}"

    def debugfs(self, number: int, request: str, write: bool = False) -> str:
        argv = ["debugfs", *(["-w"] if write else []), "-R", request, self.ext4_spec(number)]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"debugfs {request!r}: {done.stderr}")
        return done.stdout

    def ext4_read(self, number: int, path: str) -> str:
        return self.debugfs(number, f"cat {path}")

    def ext4_exists(self, number: int, path: str) -> bool:
        spec = self.ext4_spec(number)
        done = subprocess.run(["debugfs", "-R", f"stat {path}", spec], capture_output=True, text=True)
        return "File not found" not in done.stderr and "Inode:" in done.stdout

    def ext4_label(self, number: int) -> str:
        out = subprocess.run(["dumpe2fs", "-h", self.ext4_spec(number)], capture_output=True,
                             text=True, check=True).stdout
        return re.search(r"Filesystem volume name:\s+(\S+)", out).group(1)


class Console:
    """A shell on the VM's serial console (stdio of qemu), command by command."""

    def __init__(self, proc: subprocess.Popen, transcript: Path):
        self.proc = proc
        self.buffer = ""
        self._lock = threading.Lock()
        self._log = transcript.open("w", encoding="utf-8", errors="replace")
        self._count = 0
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        while True:
            chunk = self.proc.stdout.read1(4096) if self.proc.stdout else b""
            if not chunk:
                return
            text = chunk.decode("utf-8", errors="replace").replace("\r", "")
            with self._lock:
                self.buffer += text
            self._log.write(text)
            self._log.flush()

    def expect(self, pattern: str, timeout: float, start: int = 0) -> re.Match:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            with self._lock:
                found = regex.search(self.buffer, start)
            if found:
                return found
            if self.proc.poll() is not None:
                raise AssertionError(f"qemu exited ({self.proc.returncode}) waiting for {pattern!r}")
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {pattern!r}; "
                             f"last output:\n{self.buffer[-2000:]}")

    def send(self, line: str) -> None:
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def run(self, command: str, timeout: float = 60) -> tuple[int, str]:
        """Run one shell command; (exit status, output). Markers are split in the
        typed text so the terminal's echo never matches them."""
        self._count += 1
        tag = f"{self._count}x{os.getpid()}"
        with self._lock:
            start = len(self.buffer)
        self.send(f"printf '@@%s@@\\n' B{tag}; {command}; printf '@@%s@@ %s\\n' E{tag} $?")
        begin = self.expect(rf"@@B{tag}@@\n", timeout, start)
        end = self.expect(rf"@@E{tag}@@ (\d+)\n", timeout, begin.end())
        return int(end.group(1)), self.buffer[begin.end():end.start()]

    def ok(self, command: str, timeout: float = 60) -> str:
        status, out = self.run(command, timeout)
        assert status == 0, f"`{command}` exited {status}:\n{out}"
        return out

    def close(self) -> None:
        self._log.close()


def free_port() -> int:
    """A TCP port free on 127.0.0.1, and the one after it (HTTP and HTTPS forwards)."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports in a row")


AUTOLOGIN = """\
# Test copy only: a root shell on the serial console for the image test.
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200 %I dumb
"""


def prepare_boot_copy(src: Path, workdir: Path, sample_toml: Path, grow_bytes: int) -> tuple[Path, Path, Path, str]:
    """Copy the image, put a sample callbox.toml on its boot partition (as a technician
    would), give it a root shell on the serial console, and make the "card" bigger.
    Returns (disk copy, kernel, initrd, kernel command line)."""
    copy = workdir / "card.img"
    subprocess.run(["cp", "--sparse=always", str(src), str(copy)], check=True)
    disk = Disk(copy)
    disk.fat_write(sample_toml, "callbox.toml")
    dropin = workdir / "autologin.conf"
    dropin.write_text(AUTOLOGIN)
    d = "/etc/systemd/system/serial-getty@ttyAMA0.service.d"
    disk.debugfs(2, f"mkdir {d}", write=True)
    disk.debugfs(2, f"write {dropin} {d}/autologin.conf", write=True)
    with copy.open("r+b") as handle:  # a bigger card: the data partition must grow
        handle.truncate(copy.stat().st_size + grow_bytes)
    kernel_txt = disk.fat_read("kernel.txt").decode()
    kernel = re.search(r"^kernel=(\S+)", kernel_txt, re.M).group(1)
    initrd = re.search(r"^initramfs (\S+)", kernel_txt, re.M).group(1)
    for name in (kernel, initrd):
        disk.fat("mcopy", "-o", f"::{name}", str(workdir / name))
    cmdline = disk.fat_read("cmdline.txt").decode().strip()
    return copy, workdir / kernel, workdir / initrd, cmdline


SIP_PORT = 5060
RTP_PORTS = range(4000, 4040)  # [sip] rtp_port of the sample and the ports after it


def isolated_netns() -> bool:
    """True inside a network namespace with no route anywhere (`make image-test` makes
    one): the guest may then reach the host's loopback, and nothing else exists."""
    routes = Path("/proc/net/route").read_text().splitlines()[1:]
    # IPv6 always lists loopback's own routes (device "lo"); any other device is a way out.
    routes6 = [r for r in Path("/proc/net/ipv6_route").read_text().splitlines()
               if r.split() and r.split()[-1] != "lo"]
    return not routes and not routes6


def _netdev(http_port: int) -> str:
    # HTTP on http_port, HTTPS (the box's TLS front) on the port after it.
    forwards = [f"hostfwd=tcp:127.0.0.1:{http_port}-:80", f"hostfwd=tcp:127.0.0.1:{http_port + 1}-:443"]
    if not isolated_netns():  # user network isolated from everything but one TCP port
        return ",".join(["user,id=lan,restrict=on", *forwards])
    # In the empty namespace the guest may call the host's SIPp phone (10.0.2.2), and the
    # host's SIPp caller reaches the box's SIP and RTP ports through forwards.
    forwards.append(f"hostfwd=udp:127.0.0.1:{SIP_PORT}-:{SIP_PORT}")
    forwards += [f"hostfwd=udp:127.0.0.1:{p}-:{p}" for p in RTP_PORTS]
    return ",".join(["user,id=lan", *forwards])


def start_qemu(copy: Path, kernel: Path, initrd: Path, cmdline: str, http_port: int) -> subprocess.Popen:
    qemu = shutil.which("qemu-system-aarch64")
    assert qemu, "qemu-system-aarch64 missing (make image-apt)"
    argv = [
        qemu, "-M", "virt", "-cpu", "cortex-a72", "-smp", "2", "-m", "1024",
        "-display", "none", "-monitor", "none", "-serial", "stdio",
        "-kernel", str(kernel), "-initrd", str(initrd),
        # The card's own command line, plus a serial console for the test only.
        "-append", f"{cmdline} console=ttyAMA0 systemd.show_status=0",
        "-drive", f"file={copy},format=raw,if=none,id=card", "-device", "virtio-blk-pci,drive=card",
        # User-mode network, isolated from everything but a forwarded loopback port.
        "-netdev", _netdev(http_port),
        "-device", "virtio-net-pci,netdev=lan,romfile=",
        # A hardware watchdog for systemd's RuntimeWatchdogSec.
        "-device", "i6300esb",
    ]
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def sha256_of(path: Path) -> str:
    import hashlib
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
