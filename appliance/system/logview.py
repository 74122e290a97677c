"""Recent log lines for the technician's log viewer, with customers' numbers masked.

On the box the logs are in the journal (``callbox-core``, ``callbox-web``); the demo
writes ``<data>/logs/*.log``. Either way only the newest lines are read.
"""

from __future__ import annotations

import re
import subprocess
from collections import deque
from pathlib import Path
from typing import Callable

from appliance.auth.privacy import mask_number

Runner = Callable[..., subprocess.CompletedProcess]
UNITS = ("callbox-core", "callbox-web", "callbox-firstboot", "nginx")
_NUMBER = re.compile(r"\+?\d[\d\- ]{5,}\d")
MAX_LINES = 2000


def masked(line: str) -> str:
    return _NUMBER.sub(lambda m: mask_number(m.group(0)), line)


def recent_lines(data_dir: Path, count: int = 300, run: Runner = subprocess.run) -> list[str]:
    count = max(1, min(count, MAX_LINES))
    files = sorted((Path(data_dir) / "logs").glob("*.log"))
    if files:
        lines: list[str] = []
        for path in files:
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines += [f"{path.stem}: {l.rstrip()}" for l in deque(fh, maxlen=count)]
        return [masked(l) for l in lines[-count:]]
    argv = ["journalctl", "--no-pager", "-o", "short-iso", "-n", str(count)]
    for unit in UNITS:
        argv += ["-u", unit]
    try:
        done = run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        return [f"(no logs: {exc})"]
    text = done.stdout if done.returncode == 0 else (done.stderr or done.stdout)
    return [masked(l) for l in text.splitlines()[-count:]]
