#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the pjsua2 Python wheel from the pristine pjproject source with callbox's
# config_site.h (raised call/socket/conference limits, epoll, no video, no sound card,
# OpenSSL for SIP TLS and SRTP). docs/image.md, "The pjsua2 wheel".
#
# usage: build-wheel.sh [--arch x86_64|aarch64] [--python PY] [--out DIR] [--print-path]
#   --arch     x86_64 builds for this machine with PY; aarch64 cross-compiles with
#              Debian's aarch64-linux-gnu toolchain against the arm64 multiarch
#              OpenSSL and Python headers (installed on demand as root).
#   --python   the interpreter the wheel is for (default python3); its version gives
#              the wheel's tag. For aarch64 only its version is used.
#   --out      where the wheel is copied (default image-build/wheels)
#   --print-path  print only the wheel's path on stdout (logs go to stderr)
# env:
#   PJPROJECT_SRC     source tarball (default ../shared/vendor/pjproject-2.15.1.tar.gz)
#   PJSUA2_CACHE      wheel cache (default ${XDG_CACHE_HOME:-~/.cache}/callbox/pjsua2)
#   JOBS              parallel compile jobs (default: nproc)
# Exit codes: 0 wheel ready, 2 source missing, 3 source hash wrong, 1 build failed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# The one source this recipe is written and tested for (shared/vendor/README.md).
PJ_VERSION=2.15.1
PJ_SHA256=f70f6f253c4a327e0436a6ee5db09e830dcde634bf052ac9d5e33004b5c9dab0

arch="$(uname -m)"; python=python3; out="$repo/image-build/wheels"; print_path=0
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch="$2"; shift 2 ;;
        --python) python="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --print-path) print_path=1; shift ;;
        *) echo "build-wheel.sh: unknown argument $1" >&2; exit 64 ;;
    esac
done
case "$arch" in x86_64|aarch64) ;; *) echo "build-wheel.sh: --arch x86_64 or aarch64, not $arch" >&2; exit 64 ;; esac

src="${PJPROJECT_SRC:-$repo/../shared/vendor/pjproject-$PJ_VERSION.tar.gz}"
cache="${PJSUA2_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/callbox/pjsua2}"
jobs="${JOBS:-$(nproc)}"
config_site="$repo/image-build/pjproject/config_site.h"
log() { echo "pjsua2: $*" >&2; }

if [ ! -f "$src" ]; then
    log "pjproject source not found at $src (set PJPROJECT_SRC)"; exit 2
fi
got="$(sha256sum "$src" | cut -d' ' -f1)"
if [ "$got" != "$PJ_SHA256" ]; then
    log "REFUSED: $src has sha256 $got, expected $PJ_SHA256 (pjproject $PJ_VERSION)"; exit 3
fi

pyver="$("$python" -c 'import sys; print("%d%d" % sys.version_info[:2])')"
pytag="cp$pyver"
# The cache key: everything that changes the binary.
key="$( { echo "$PJ_SHA256"; sha256sum "$config_site" "$here/build-wheel.sh" "$here/mkwheel.py" | cut -d' ' -f1; echo "$arch $pytag"; } | sha256sum | cut -c1-16)"
wheel_name="pjsua2-$PJ_VERSION+callbox.$key-$pytag-$pytag-linux_$arch.whl"
mkdir -p "$cache" "$out"

finish() {
    rm -f "$out"/pjsua2-*-linux_"$arch".whl
    cp "$cache/$wheel_name" "$out/"
    [ "$print_path" = 0 ] || echo "$out/$wheel_name"
}
if [ -f "$cache/$wheel_name" ]; then
    log "cached $wheel_name"; finish; exit 0
fi

if [ "$arch" = aarch64 ]; then
    host_flag=(--host=aarch64-linux-gnu)
    export CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar RANLIB=aarch64-linux-gnu-ranlib
    pyinc=(-I/usr/include/python3.${pyver#3} -I/usr/include/aarch64-linux-gnu/python3.${pyver#3})
    "$here/cross-deps.sh" "3.${pyver#3}"
else
    host_flag=()
    export CC="${CC:-gcc}" CXX="${CXX:-g++}"
    pyinc=("-I$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')")
fi

work="$cache/build-$key"
rm -rf "$work"; mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
log "building $wheel_name (pjproject $PJ_VERSION, $arch, $jobs jobs) in $work"
start=$(date +%s)
tar -xzf "$src" -C "$work"
pj="$work/pjproject-$PJ_VERSION"
cp "$config_site" "$pj/pjlib/include/pj/config_site.h"

(
    cd "$pj"
    # -fPIC: the static libraries are linked into a Python extension module.
    CFLAGS="-O2 -fPIC" CXXFLAGS="-O2 -fPIC" ./configure "${host_flag[@]}" \
        --enable-epoll --disable-video --disable-sound --with-ssl \
        --disable-libwebrtc --disable-libyuv --disable-sdl --disable-ffmpeg --disable-v4l2 \
        --disable-openh264 --disable-vpx --disable-opencore-amr --disable-silk --disable-opus \
        --disable-bcg729 --disable-upnp --disable-speex-aec --disable-g7221-codec --disable-ilbc-codec \
        > "$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; }
    grep -q "PJ_HAS_SSL_SOCK 1\|PJ_SSL_SOCK_IMP PJ_SSL_SOCK_IMP_OPENSSL" pjlib/include/pj/compat/os_auto.h \
        || { log "configure found no OpenSSL (libssl-dev for $arch)"; exit 1; }
    make dep > "$work/dep.log" 2>&1 || { tail -30 "$work/dep.log" >&2; exit 1; }
    make -j"$jobs" lib > "$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
) || exit 1

swigdir="$pj/pjsip-apps/src/swig/python"
(
    cd "$swigdir"
    make pjsua2_wrap.cpp > "$work/swig.log" 2>&1 || { tail -30 "$work/swig.log" >&2; exit 1; }
    mapfile -t cflags < <(make --no-print-directory -f helper.mak cflags)
    mapfile -t ldflags < <(make --no-print-directory -f helper.mak ldflags)
    mapfile -t libs < <(make --no-print-directory -f helper.mak libs | sed 's/^/-l/')
    so="_pjsua2.cpython-$pyver-$arch-linux-gnu.so"
    "$CXX" -shared -O2 -fPIC "${cflags[@]}" "${pyinc[@]}" -o "$so" pjsua2_wrap.cpp \
        "${ldflags[@]}" "${libs[@]}" > "$work/compile.log" 2>&1 \
        || { tail -30 "$work/compile.log" >&2; exit 1; }
) || exit 1

"$python" "$here/mkwheel.py" --dir "$swigdir" --version "$PJ_VERSION+callbox.$key" \
    --tag "$pytag-$pytag-linux_$arch" --out "$cache" >&2
log "built $wheel_name in $(( $(date +%s) - start )) s"
finish
