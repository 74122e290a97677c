"""Image tests: run by `make image-test` (CALLBOX_IMAGE=path/to/callbox.img), never by `make test`.

They inspect the built image without mounting it (sfdisk, mtools, debugfs) and boot a
copy of it in qemu-system-aarch64 -M virt, talking to it over the serial console.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

IMAGE = os.environ.get("CALLBOX_IMAGE")
# Without an image these files are not even collected, so `make test` stays fast.
collect_ignore_glob = [] if IMAGE else ["test_*.py"]

sys.path.insert(0, str(Path(__file__).parent))
from imagetools import Disk  # noqa: E402


@pytest.fixture(scope="session")
def image() -> Path:
    path = Path(IMAGE)
    assert path.is_file(), f"CALLBOX_IMAGE={IMAGE} does not exist: run `make image`"
    return path


@pytest.fixture(scope="session")
def disk(image: Path) -> Disk:
    return Disk(image)
