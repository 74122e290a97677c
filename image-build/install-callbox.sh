#!/usr/bin/env bash
# Install callbox into a Debian arm64 root folder: the app in a venv at /opt/callbox,
# its systemd units, users, udev rule, flash-safety settings and the boot-partition
# files. Shared by both image recipes (mmdebstrap customize hook in build-image.sh and
# the rpi-image-gen layer); runs on the build host, entering the root with chroot
# (arm64 binaries run through qemu-user's binfmt registration).
#
# usage: install-callbox.sh ROOT WHEELS_DIR
#   WHEELS_DIR holds callbox-*.whl, its dependencies for linux_aarch64/cp311, and
#   optionally a pjsua2-*.whl (see docs/image.md, "The pjsua2 wheel").
set -euo pipefail

root="$1"
wheels="$2"
repo="$(cd "$(dirname "$0")/.." && pwd)"
log() { echo "install-callbox: $*" >&2; }
# A clean environment inside the root: the build host's PIP_*/PYTHON* settings are not
# the box's.
in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 chroot "$root" "$@"; }

install_app() {
    local stage="$root/tmp/callbox-wheels" extra=()
    rm -rf "$stage" && mkdir -p "$stage"
    cp "$wheels"/*.whl "$stage/"
    if ls "$stage"/pjsua2*.whl >/dev/null 2>&1; then
        extra+=(pjsua2)
    fi
    in_root python3 -m venv /opt/callbox
    in_root /opt/callbox/bin/pip install --quiet --no-index --no-cache-dir \
        --find-links /tmp/callbox-wheels callbox lgpio "${extra[@]}"
    rm -rf "$stage"
    # The root is read-only at run time: compile every module now.
    in_root /opt/callbox/bin/python -m compileall -q /opt/callbox/lib >/dev/null
    in_root /opt/callbox/bin/pip freeze --all > "$root/opt/callbox/manifest.txt"
}

install_system_files() {
    local sd="$repo/systemd"
    install -m 0644 "$sd"/*.service "$sd"/*.timer "$sd"/*.path "$root/etc/systemd/system/"
    install -D -m 0644 "$sd/sysusers.d/callbox.conf" "$root/usr/lib/sysusers.d/callbox.conf"
    install -D -m 0644 "$sd/tmpfiles.d/callbox.conf" "$root/usr/lib/tmpfiles.d/callbox.conf"
    install -D -m 0644 "$sd/journald.conf.d/callbox.conf" "$root/etc/systemd/journald.conf.d/callbox.conf"
    install -D -m 0644 "$sd/system.conf.d/callbox.conf" "$root/etc/systemd/system.conf.d/callbox.conf"
    install -D -m 0644 "$sd/60-callbox-gpio.rules" "$root/etc/udev/rules.d/60-callbox-gpio.rules"
    cp -a --no-preserve=ownership "$repo/image-build/rootfs/." "$root/"
    install -D -m 0644 "$repo/docs/technician.md" "$root/usr/share/doc/callbox/technician.md"
    mkdir -p "$root/var/lib/callbox" "$root/boot/firmware"
    # Users exist in the read-only root from the start (the boot partition's fstab
    # entry names the callbox group).
    in_root systemd-sysusers
    in_root systemctl enable callbox-core.service callbox-web.service \
        callbox-firstboot.service callbox-tls.service callbox-growdata.service \
        callbox-core-retry.timer callbox-tls-reload.path callbox-poweroff.path \
        systemd-networkd.service systemd-resolved.service systemd-timesyncd.service \
        avahi-daemon.service
    # No swap on the card, ever (Raspberry Pi OS would add a swap file).
    in_root systemctl mask dphys-swapfile.service swap.target
    # journald.conf.d says Storage=volatile; without the folder journald cannot persist
    # even if that setting were lost.
    rm -rf "$root/var/log/journal"
    # Empty machine-id: a new one in RAM at every boot of the read-only root.
    : > "$root/etc/machine-id"
    rm -f "$root/var/lib/dbus/machine-id"
}

install_boot_files() {
    local fw="$repo/firmware"
    install -m 0644 "$fw/config.txt" "$fw/cmdline.txt" "$fw/callbox.toml" "$root/boot/firmware/"
}

install_app
install_system_files
install_boot_files
log "installed $(in_root /opt/callbox/bin/callbox --help >/dev/null 2>&1 && echo callbox || echo 'callbox (command check FAILED)') into $root"
