"""What `make image` produced: partition table, boot-partition files, users and units in the root."""

from __future__ import annotations

import hashlib
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from imagetools import REPO, Disk, sha256_of

MIB = 1024 * 1024


def test_partition_table_is_boot_root_data(disk: Disk):
    boot, root, data = disk.parts
    assert (boot.type, root.type, data.type) == ("c", "83", "83")
    assert boot.bootable and not root.bootable and not data.bootable
    assert boot.size >= 200 * MIB and root.size >= 1024 * MIB and data.size >= 128 * MIB
    # 4 MiB alignment keeps SD-card erase blocks and file system blocks in step.
    assert all(p.start % (4 * MIB) == 0 for p in disk.parts)
    assert disk.ext4_label(2) == "callbox-root"
    assert disk.ext4_label(3) == "callbox-data"


def test_boot_partition_has_our_firmware_files(disk: Disk):
    assert "CALLBOXBOOT" in disk.fat("mlabel", "-s", "::")
    for name in ("config.txt", "cmdline.txt", "callbox.toml"):
        assert disk.fat_read(name) == (REPO / "firmware" / name).read_bytes(), name
    cmdline = disk.fat_read("cmdline.txt").decode()
    assert "overlayroot=tmpfs:recurse=0" in cmdline and "root=LABEL=callbox-root" in cmdline
    assert "ttyAMA" not in cmdline and "serial0" not in cmdline  # the UART is the GSM HAT's


def test_boot_partition_can_start_a_pi(disk: Disk):
    listing = disk.fat("mdir", "-b", "::/")
    names = {Path(line.strip()).name for line in listing.splitlines()}
    # Pi 3 and Pi 4 boot firmware, their device trees, and the kernel.txt pair.
    for needed in ("bootcode.bin", "start.elf", "fixup.dat", "start4.elf", "fixup4.dat",
                   "bcm2711-rpi-4-b.dtb", "bcm2837-rpi-3-b-plus.dtb", "kernel.txt"):
        assert needed in names, f"{needed} missing on the boot partition"
    kernel_txt = disk.fat_read("kernel.txt").decode()
    kernel = re.search(r"^kernel=(\S+)", kernel_txt, re.M).group(1)
    initrd = re.search(r"^initramfs (\S+) followkernel", kernel_txt, re.M).group(1)
    assert kernel in names and initrd in names
    if "upstream_kernel=1" in kernel_txt:
        return  # Debian's recipe: upstream device trees, no Raspberry Pi overlays (docs/image.md)
    overlays = disk.fat("mdir", "-b", "::/overlays")
    for overlay in ("disable-bt.dtbo", "gpio-shutdown.dtbo", "uart0-pi5.dtbo"):
        assert overlay in overlays, f"overlays/{overlay} missing"


def test_root_has_the_callbox_user_in_its_groups(disk: Disk):
    passwd = disk.ext4_read(2, "/etc/passwd")
    user = next(line for line in passwd.splitlines() if line.startswith("callbox:"))
    assert user.endswith(":/var/lib/callbox:/usr/sbin/nologin")
    groups = {line.split(":")[0]: line.split(":")[3].split(",")
              for line in disk.ext4_read(2, "/etc/group").splitlines()}
    for group in ("dialout", "gpio", "audio"):
        assert "callbox" in groups[group], group
    # No password on any account: nobody logs in on the box's consoles.
    for line in disk.ext4_read(2, "/etc/shadow").splitlines():
        assert line.split(":")[1] in ("*", "!", "!*", "!!"), line.split(":")[0]


def test_root_has_units_enabled_and_app_installed(disk: Disk):
    for unit in sorted(p.name for p in (REPO / "systemd").glob("*.service")) + ["callbox-core-retry.timer"]:
        shipped = (REPO / "systemd" / unit).read_text()
        assert disk.ext4_read(2, f"/etc/systemd/system/{unit}") == shipped, unit
    wants = {target: disk.debugfs(2, f"ls -l /etc/systemd/system/{target}.wants")
             for target in ("multi-user.target", "sysinit.target", "local-fs-pre.target", "timers.target")}
    for unit in ("callbox-core", "callbox-web", "callbox-firstboot", "callbox-tls",
                 "avahi-daemon", "systemd-networkd"):
        assert f"{unit}.service" in wants["multi-user.target"], unit
    assert "systemd-resolved.service" in wants["sysinit.target"]  # Debian enables it there
    assert "callbox-growdata.service" in wants["local-fs-pre.target"]
    assert "callbox-core-retry.timer" in wants["timers.target"]
    assert disk.ext4_exists(2, "/opt/callbox/bin/callbox")
    assert "callbox==" in disk.ext4_read(2, "/opt/callbox/manifest.txt")
    assert disk.ext4_read(2, "/etc/udev/rules.d/60-callbox-gpio.rules") == \
        (REPO / "systemd" / "60-callbox-gpio.rules").read_text()


def test_root_is_set_up_for_a_flash_card(disk: Disk):
    fstab = disk.ext4_read(2, "/etc/fstab")
    entries = [line.split() for line in fstab.splitlines() if line.strip() and not line.startswith("#")]
    mounts = {e[1]: e for e in entries}
    assert "ro" in mounts["/"][3].split(",")
    assert "noatime" in mounts["/var/lib/callbox"][3].split(",")
    assert mounts["/var/lib/callbox"][0] == "LABEL=callbox-data"
    assert not any(e[2] == "swap" for e in entries)
    assert not disk.ext4_exists(2, "/var/log/journal")  # no persistent journal, whatever the config
    journald = disk.ext4_read(2, "/etc/systemd/journald.conf.d/callbox.conf")
    assert "Storage=volatile" in journald and "RuntimeMaxUse=" in journald
    assert "RuntimeWatchdogSec=" in disk.ext4_read(2, "/etc/systemd/system.conf.d/callbox.conf")
    assert disk.ext4_read(2, "/etc/hostname").strip() == "callbox"
    assert disk.ext4_read(2, "/etc/machine-id") == ""
    # overlayroot must be in the initramfs hooks, or cmdline.txt's overlayroot= does nothing.
    assert disk.ext4_exists(2, "/usr/share/initramfs-tools/scripts/init-bottom/overlayroot")


def test_release_files_match_the_image(image: Path):
    out = image.parent
    subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=out, check=True)
    bmap = ET.parse(out / "callbox.img.bmap").getroot()
    assert int(bmap.findtext("ImageSize")) == image.stat().st_size
    digest = hashlib.sha256()
    with subprocess.Popen(["xz", "-dc", str(out / "callbox.img.xz")], stdout=subprocess.PIPE) as xz:
        for chunk in iter(lambda: xz.stdout.read(1 << 20), b""):
            digest.update(chunk)
    assert digest.hexdigest() == sha256_of(image)
