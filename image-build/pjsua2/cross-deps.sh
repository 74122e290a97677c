#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian packages for cross-compiling pjsua2 to aarch64: the cross toolchain and the
# arm64 multiarch OpenSSL and Python headers. Installed only when missing (needs root).
# usage: cross-deps.sh PYTHON_VERSION   (e.g. 3.11)
set -euo pipefail
pyver="$1"
pkgs=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu swig libssl-dev:arm64 "libpython$pyver-dev:arm64")
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "pjsua2: installing ${missing[*]}" >&2
SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
