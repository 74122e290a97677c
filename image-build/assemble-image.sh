#!/usr/bin/env bash
# Turn a prepared arm64 root folder (its /boot/firmware holding the boot partition's
# files) into callbox.img with genimage, then callbox.img.bmap, callbox.img.xz and
# SHA256SUMS. Used by both recipes. No loop devices or mounts: genimage builds FAT with
# mtools and ext4 with mke2fs -d.
#
# usage: assemble-image.sh ROOT_DIR OUT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rootdir="$(cd "$1" && pwd)"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
tmp="$out/genimage-tmp"
rm -rf "$tmp" "$out/images" && mkdir -p "$out/images"
genimage --config "$here/genimage.cfg" --rootpath "$rootdir" \
    --tmppath "$tmp" --inputpath "$out/images" --outputpath "$out/images"
rm -rf "$tmp"
mv "$out/images/callbox.img" "$out/callbox.img"
rm -rf "$out/images"
bmaptool create -o "$out/callbox.img.bmap" "$out/callbox.img"
rm -f "$out/callbox.img.xz"
xz -T0 -"${XZ_LEVEL:-6}" --keep "$out/callbox.img"
(cd "$out" && sha256sum callbox.img callbox.img.xz callbox.img.bmap > SHA256SUMS)
