"""``callbox backup create [--out FILE|DIR]`` and ``callbox backup restore FILE``.

The passphrase comes from ``--passphrase-file`` (or ``CALLBOX_BACKUP_PASSPHRASE``), or is
asked on the terminal with ``--encrypt``; restore refuses a bad archive with the reason.
Stop the core (``systemctl stop callbox-core``) before a restore from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any, Callable

from appliance.backup.restore import BackupError, restore_backup
from appliance.backup.schedule import backup_to_dir, read_passphrase


def add_parsers(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    backup = sub.add_parser("backup", help="back up or restore the box's data")
    backup_sub = backup.add_subparsers(dest="backup_command", required=True)
    create = backup_sub.add_parser("create", help="write one archive")
    create.add_argument("--out", type=Path, default=Path("."),
                        help="directory (a USB stick) or file name; default: here")
    create.add_argument("--keep", type=int, default=0, help="keep only the newest N in DIR")
    restore = backup_sub.add_parser("restore", help="restore an archive (checked first)")
    restore.add_argument("file", type=Path)
    for p in (create, restore):
        p.add_argument("--passphrase-file", default=os.environ.get("CALLBOX_BACKUP_PASSPHRASE_FILE", ""))
        p.add_argument("--encrypt", action="store_true", help="ask for a passphrase")
        common(p)


def _passphrase(args: Any) -> str | None:
    if args.passphrase_file:
        return read_passphrase(args.passphrase_file)
    if os.environ.get("CALLBOX_BACKUP_PASSPHRASE"):
        return os.environ["CALLBOX_BACKUP_PASSPHRASE"]
    if args.encrypt:
        if not sys.stdin.isatty():
            raise BackupError("no terminal to ask the passphrase on: use --passphrase-file")
        return getpass.getpass("backup passphrase: ") or None
    return None


def run_backup(args: Any, out=sys.stdout) -> int:
    passphrase = _passphrase(args)
    if args.backup_command == "restore":
        manifest = restore_backup(args.data, args.file, passphrase)
        print(f"restored {args.file} (made {manifest['created_at']}, "
              f"{len(manifest['files'])} files); start the core again", file=out)
        return 0
    target = args.out
    if target.suffix == ".cbx":
        path = backup_to_dir(Path(args.data), target.parent, passphrase, 0)
        path.rename(target)
        path = target
    else:
        path = backup_to_dir(Path(args.data), target, passphrase, args.keep)
    print(path, file=out)
    return 0
