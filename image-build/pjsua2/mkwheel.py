# SPDX-License-Identifier: GPL-2.0-or-later
"""Pack the built pjsua2 module (pjsua2.py + _pjsua2*.so) into a wheel.

Written out by hand instead of setup.py so the same step serves a native and a
cross-compiled build (setuptools would tag and name the module for the build machine).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import zipfile
from pathlib import Path

METADATA = """Metadata-Version: 2.1
Name: pjsua2
Version: {version}
Summary: pjsua2 (PJSIP) built by callbox from pristine pjproject with callbox's config_site.h
Home-page: https://www.pjsip.org
License: GPL-2.0-or-later
"""

WHEEL = """Wheel-Version: 1.0
Generator: callbox-mkwheel
Root-Is-Purelib: false
Tag: {tag}
"""


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def pack(src: Path, version: str, tag: str, out: Path) -> Path:
    files = {"pjsua2.py": (src / "pjsua2.py").read_bytes()}
    modules = sorted(src.glob("_pjsua2*.so"))
    if len(modules) != 1:
        raise SystemExit(f"mkwheel: expected one _pjsua2*.so in {src}, found {len(modules)}")
    files[modules[0].name] = modules[0].read_bytes()
    info = f"pjsua2-{version}.dist-info"
    files[f"{info}/METADATA"] = METADATA.format(version=version).encode()
    files[f"{info}/WHEEL"] = WHEEL.format(tag=tag).encode()
    files[f"{info}/top_level.txt"] = b"pjsua2\n_pjsua2\n"
    record = [_record_line(name, data) for name, data in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = out / f"pjsua2-{version}-{tag}.whl"
    tmp = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    tmp.replace(wheel)  # a cached wheel is never half written
    return wheel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(pack(args.dir, args.version, args.tag, args.out))


if __name__ == "__main__":
    main()
