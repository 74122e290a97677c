#!/usr/bin/env bash
# Build callbox.img offline-capable from Debian's archive (no Raspberry Pi archive):
#   mmdebstrap --arch=arm64 (qemu-user binfmt) → root folder with Debian's
#   linux-image-arm64 + raspi-firmware, the app and units (install-callbox.sh)
#   → genimage (mtools + mke2fs -d, no loop devices) → callbox.img, .img.bmap, .img.xz
#
# usage: build-image.sh [--wheels-only] [OUT_DIR]   (default image-build/out; run as root)
#   --wheels-only: just OUT_DIR/wheels (the app, its aarch64 dependencies and the
#   pjsua2 wheel if present), e.g. for the rpi-image-gen recipe
# env:   SUITE (bookworm), MIRROR (from this machine's apt sources), PIP (.venv/bin/pip),
#        XZ_LEVEL (6), KEEP_ROOT=1 keeps the root folder for inspection
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
wheels_only=0
if [ "${1:-}" = --wheels-only ]; then wheels_only=1; shift; fi
out="$(mkdir -p "${1:-$here/out}" && cd "${1:-$here/out}" && pwd)"
suite="${SUITE:-bookworm}"
pip="${PIP:-$repo/.venv/bin/pip}"
log() { echo "build-image: $*" >&2; }

apt_mirror() {
    # The same Debian mirror apt on this machine uses (deb822 or one-line sources).
    local uri
    uri="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
    [ -n "$uri" ] || uri="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
    echo "${uri:-http://deb.debian.org/debian}"
}

ensure_binfmt() {
    # Root may register qemu-user's handler itself (binfmt_misc may not be mounted).
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    fi
    [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
    arch-test arm64 >/dev/null || { log "arm64 binaries do not run (qemu-user-static?)"; exit 1; }
}

build_wheels() {
    local wheels="$out/wheels"
    rm -rf "$wheels" && mkdir -p "$wheels"
    "$pip" wheel --quiet --no-deps --wheel-dir "$wheels" "$repo"
    # Dependencies for the box (aarch64, CPython 3.11). pip evaluates environment
    # markers for this machine, so the x86_64-only pjsua2-python line is dropped here.
    local deps
    deps="$("$repo/.venv/bin/python" - "$repo/pyproject.toml" <<'PY'
import sys, tomllib
deps = tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]
print("\n".join(d.split(";")[0].strip() for d in deps if not d.lower().startswith("pjsua2")))
PY
)"
    # shellcheck disable=SC2086
    "$pip" download --quiet --only-binary=:all: --dest "$wheels" \
        --platform manylinux_2_36_aarch64 --platform manylinux_2_34_aarch64 \
        --platform manylinux2014_aarch64 --platform linux_aarch64 \
        --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
        $deps lgpio
    copy_pjsua2_wheel "$wheels"
}

copy_pjsua2_wheel() {
    # The documented folder for a release builder's pjsua2 wheel (docs/image.md).
    local found
    found="$(ls "$here"/wheels/pjsua2*-linux_aarch64.whl "$here"/wheels/pjsua2*aarch64*.whl 2>/dev/null | head -n1 || true)"
    if [ -n "$found" ]; then
        log "using SIP engine wheel $(basename "$found")"
        cp "$found" "$1/"
    else
        cat >&2 <<'WARN'

 ###########################################################################
 #  WARNING: NO pjsua2 WHEEL in image-build/wheels/ — this image has NO SIP  #
 #  ENGINE. It boots, GSM lines and the web page work, and the page shows    #
 #  "SIP engine missing". Build the wheel as described in docs/image.md      #
 #  ("The pjsua2 wheel"), put it in image-build/wheels/ and build again.     #
 ###########################################################################

WARN
    fi
}

build_root() {
    local rootdir="$out/rootfs" mirror
    mirror="${MIRROR:-$(apt_mirror)}"
    rm -rf "$rootdir"
    log "mmdebstrap $suite arm64 from $mirror"
    mmdebstrap --arch=arm64 --variant=minbase --mode=root \
        --components="main non-free-firmware" \
        --include="$(grep -vE '^\s*(#|$)' "$here/packages.txt" | paste -sd, -)" \
        --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --customize-hook="'$here/install-callbox.sh' \"\$1\" '$out/wheels'" \
        --customize-hook="'$here/debian-boot-files.sh' \"\$1\"" \
        --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
        "$suite" "$rootdir" \
        "deb $mirror $suite main non-free-firmware" \
        "deb $mirror $suite-updates main non-free-firmware" \
        "deb ${mirror%/debian}/debian-security $suite-security main non-free-firmware"
}

build_wheels
[ "$wheels_only" = 0 ] || { log "wheels in $out/wheels"; exit 0; }
[ "$(id -u)" = 0 ] || { log "run as root (mmdebstrap root mode, chroot)"; exit 1; }
ensure_binfmt
build_root
"$here/assemble-image.sh" "$out/rootfs" "$out"
[ "${KEEP_ROOT:-0}" = 1 ] || rm -rf "$out/rootfs"
log "done: $out/callbox.img ($(du -h --apparent-size "$out/callbox.img" | cut -f1)), callbox.img.xz ($(du -h "$out/callbox.img.xz" | cut -f1)), callbox.img.bmap, SHA256SUMS"
