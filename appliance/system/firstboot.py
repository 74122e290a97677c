"""Import ``callbox.toml`` from the boot partition when it is new or changed.

The root file system is read-only (overlayroot), so "first boot" cannot be detected by
systemd's ConditionFirstBoot (true at every boot). Instead the SHA-256 of the imported
file is kept on the data partition in ``firstboot.json``; the file is imported when its
hash differs from the last import. An invalid file is refused: the previous
configuration stays in force and the refusal reason is recorded for the web page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any

from appliance.errors import CallboxError, ConfigError

log = logging.getLogger("callbox.system.firstboot")

TOML_NAME = "callbox.toml"
STATE_NAME = "firstboot.json"
STAGED_NAME = "callbox.toml.imported"


class Outcome(StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"  # same file as the last import (or the last refusal)
    REFUSED = "refused"  # invalid file; the old configuration stays
    FAILED = "failed"  # valid file but provisioning broke; the old configuration stays
    ABSENT = "absent"  # no callbox.toml on the boot partition


@dataclass(frozen=True)
class FirstbootResult:
    outcome: Outcome
    sha256: str | None = None
    reason: str = ""
    at: str = ""


Provision = Callable[[Path], None]


def run_firstboot(boot_dir: Path, data_dir: Path, provision: Provision,
                  state_file: Path | None = None,
                  now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> FirstbootResult:
    """Import ``boot_dir/callbox.toml`` through ``provision`` if it changed.

    ``provision(path)`` gets a private copy of the file on the data partition and must
    raise ``ConfigError`` (or ``tomllib.TOMLDecodeError``) for an invalid file without
    touching the current configuration.
    """
    boot_dir, data_dir = Path(boot_dir), Path(data_dir)
    state_file = Path(state_file) if state_file else data_dir / STATE_NAME
    source = boot_dir / TOML_NAME
    try:
        content = source.read_bytes()  # read once: hash and import the same bytes
    except FileNotFoundError:
        return FirstbootResult(Outcome.ABSENT)
    digest = hashlib.sha256(content).hexdigest()
    state = read_state(state_file)
    previous = _unchanged(state, digest)
    if previous is not None:
        return previous
    at = now().isoformat(timespec="seconds")
    staged = data_dir / STAGED_NAME
    atomic_write(staged, content, mode=0o600)  # it holds SIP and user passwords
    outcome, reason = _provision(provision, staged)
    if outcome is not Outcome.IMPORTED:
        staged.unlink(missing_ok=True)
    result = FirstbootResult(outcome, digest, reason, at)
    _record(state_file, state, result)
    log.info("callbox.toml %s (sha256 %s)%s", outcome, digest[:12], f": {reason}" if reason else "")
    return result


def _unchanged(state: dict[str, Any], digest: str) -> FirstbootResult | None:
    last_import = state.get("last_import") or {}
    if last_import.get("sha256") == digest:
        return FirstbootResult(Outcome.UNCHANGED, digest, "", last_import.get("at", ""))
    attempt = state.get("last_attempt") or {}
    # The same bad file again: keep the recorded reason, spare the card a write.
    if attempt.get("sha256") == digest and attempt.get("outcome") == Outcome.REFUSED:
        return FirstbootResult(Outcome.REFUSED, digest, attempt.get("reason", ""), attempt.get("at", ""))
    return None


def _provision(provision: Provision, staged: Path) -> tuple[Outcome, str]:
    try:
        provision(staged)
    except ConfigError as exc:
        return Outcome.REFUSED, str(exc)
    except tomllib.TOMLDecodeError as exc:
        return Outcome.REFUSED, f"{TOML_NAME} is not valid TOML: {exc}"
    except Exception as exc:  # noqa: BLE001 - any failure must leave the box bootable
        log.exception("provisioning failed")
        return Outcome.FAILED, f"{type(exc).__name__}: {exc}"
    return Outcome.IMPORTED, ""


def _record(state_file: Path, state: dict[str, Any], result: FirstbootResult) -> None:
    entry = asdict(result)
    entry["outcome"] = str(result.outcome)
    new_state = dict(state)
    new_state["last_attempt"] = entry
    if result.outcome is Outcome.IMPORTED:
        new_state["last_import"] = {"sha256": result.sha256, "at": result.at}
    atomic_write(state_file, json.dumps(new_state, indent=2).encode("utf-8"))


def read_state(state_file: Path) -> dict[str, Any]:
    """The recorded state ({"last_import": ..., "last_attempt": ...}); {} if none or unreadable."""
    try:
        state = json.loads(Path(state_file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", state_file, exc)
        return {}
    return state if isinstance(state, dict) else {}


def atomic_write(path: Path, content: bytes, mode: int = 0o644) -> None:
    """temp file → fsync → rename → fsync dir: a power cut leaves the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def cli_provisioner(callbox: str, data_dir: Path,
                    run: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> Provision:
    """Provision through the ``callbox`` command: check-config first, then provision."""

    def provision(path: Path) -> None:
        checked = run([callbox, "check-config", "--data", str(data_dir), str(path)],
                      capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise ConfigError(TOML_NAME, _message(checked, path))
        done = run([callbox, "provision", "--data", str(data_dir), str(path)],
                   capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise CallboxError(f"callbox provision exited {done.returncode}: {_message(done, path)}")

    return provision


def _message(done: subprocess.CompletedProcess, path: Path, count: int = 5) -> str:
    """The command's last lines, naming the file as the technician knows it."""
    text = f"{done.stdout or ''}\n{done.stderr or ''}".replace(str(path), TOML_NAME)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines[-count:]) or f"exit status {done.returncode}"


def lamp_selftest(data_dir: Path, pin_factory: Any = None, step_s: float = 0.4,
                  sleep: Callable[[float], None] | None = None) -> int:
    """Light every configured lamp alone, one after the other; returns how many.

    Runs at every start before the core takes the pins, so a technician sees at once
    which lamp is wired wrong. This process's composition root: it builds the lamp
    board from the stored configuration (``pin_factory`` overrides the configured one).
    """
    import time

    from appliance.config.store import ConfigStore
    from appliance.lamps.board import LampBoard
    from appliance.lamps.pins import make_pin_factory
    from appliance.lamps.specs import lamps_from_config

    config = ConfigStore(data_dir).load()
    specs = lamps_from_config(config)
    factory = pin_factory or make_pin_factory(config.lamps.pin_factory)
    board = LampBoard(factory, specs, lambda event: None, sleep=sleep or time.sleep)
    try:
        board.self_test(step_s)
    finally:
        board.close()
    return len(specs)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m appliance.system.firstboot --boot DIR --data DIR`` (callbox-firstboot.service)."""
    parser = argparse.ArgumentParser(prog="callbox-firstboot", description=__doc__.splitlines()[0])
    parser.add_argument("--boot", type=Path, default=Path("/boot/firmware"))
    parser.add_argument("--data", type=Path, default=Path("/var/lib/callbox"))
    parser.add_argument("--callbox", default=str(Path(sys.executable).with_name("callbox")),
                        help="the callbox command used to check and provision")
    parser.add_argument("--lamp-test", action="store_true",
                        help="afterwards light every configured lamp in turn")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    result = run_firstboot(args.boot, args.data, cli_provisioner(args.callbox, args.data))
    print(f"firstboot: {result.outcome}" + (f": {result.reason}" if result.reason else ""))
    if args.lamp_test:
        try:
            print(f"lamp self-test: {lamp_selftest(args.data)} lamps")
        except Exception as exc:  # noqa: BLE001 - no lamps must never stop the box starting
            log.warning("lamp self-test skipped: %s", exc)
    return 1 if result.outcome is Outcome.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
