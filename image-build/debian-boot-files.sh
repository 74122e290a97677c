#!/usr/bin/env bash
# Debian recipe only: finish the boot partition's folder (/boot/firmware) that
# Debian's raspi-firmware filled (Pi firmware blobs, upstream device trees, kernel and
# initramfs): our config.txt and cmdline.txt replace the generated ones (install-callbox.sh
# installed them after raspi-firmware ran), and kernel.txt names Debian's kernel.
#
# usage: debian-boot-files.sh ROOT
set -euo pipefail
root="$1"
fw="$root/boot/firmware"
repo="$(cd "$(dirname "$0")/.." && pwd)"

kernel="$(cd "$fw" && ls vmlinuz-* | sort -V | tail -n1)"
initrd="initrd.img-${kernel#vmlinuz-}"
[ -f "$fw/$kernel" ] && [ -f "$fw/$initrd" ] || { echo "debian-boot-files: no kernel/initramfs in $fw" >&2; exit 1; }
cat > "$fw/kernel.txt" <<TXT
# Written by image-build/debian-boot-files.sh: Debian's kernel with upstream device trees.
upstream_kernel=1
kernel=$kernel
initramfs $initrd followkernel
TXT
# raspi-firmware regenerates these on kernel updates; the box never updates in place,
# but make sure the image carries ours.
install -m 0644 "$repo/firmware/config.txt" "$repo/firmware/cmdline.txt" "$fw/"
# Kernel and initramfs live on the boot partition only; /boot in the root keeps the
# copies Debian's tools expect, which the read-only root never uses.
echo "debian-boot-files: $kernel, $initrd"
