"""What each ``callbox`` sub-command does (parsing lives in cli.py)."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import threading
from pathlib import Path
from typing import Any

from appliance.config.model import Config

log = logging.getLogger("callbox")


def load_config(args: Any) -> Config:
    """``--config FILE`` wins (validated, refused with the bad key named); else the data dir."""
    if getattr(args, "config", None):
        from appliance.config.loader import load_toml
        return load_toml(args.config)
    from appliance.config.store import ConfigStore
    return ConfigStore(args.data).load()


def run(args: Any) -> int:
    handler = {
        "core": cmd_core, "web": cmd_web, "demo": cmd_demo, "provision": cmd_provision,
        "check-config": cmd_check_config, "token": cmd_token, "user": cmd_user,
        "backup": cmd_backup,
    }[args.command]
    return handler(args)


def wait_for_signal(tick=None, every: float = 1.0) -> None:
    """Block the main thread until SIGTERM/SIGINT, calling ``tick`` every ``every`` s."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(every):
        if tick is not None:
            tick()


def cmd_core(args: Any) -> int:
    from appliance.app import CoreOptions, build
    from appliance.system.sdnotify import SdNotifier
    config = load_config(args)
    core = build(config, args.data, CoreOptions(sip_listen=args.sip, log_wire=args.log_sip))
    notify = SdNotifier()
    core.start()
    core.wait_ready()
    notify.ready()
    notify.status("taking calls")

    def tick() -> None:
        if core.alive():  # a hung pjsua2 loop stops the pings and systemd restarts us
            notify.watchdog()
        else:
            log.error("SIP engine loop is not turning; withholding the watchdog ping")

    try:
        wait_for_signal(tick)
    finally:
        notify.stopping()
        core.stop()
    return 0


def cmd_web(args: Any) -> int:
    from appliance.control.client import ControlClient
    from appliance.control.protocol import socket_path
    from appliance.auth.users import UserStore
    from web import create_app, serve
    from appliance.errors import ConfigError
    try:
        config = load_config(args)
        _first_admin(UserStore(args.data), Path(args.data))
        app = create_app(config, Path(args.data), ControlClient(socket_path(args.data)))
        listen = args.http or config.web.listen
    except ConfigError as exc:  # the web stays up and says what is wrong and what to do
        from web.recovery import create_recovery_app
        log.error("settings damaged, serving the recovery page: %s", exc)
        app, listen = create_recovery_app(exc, Path(args.data)), args.http or "0.0.0.0:8080"
    host, _, port = listen.rpartition(":")
    serve(app, host or "0.0.0.0", int(port))
    return 0


def _first_admin(users: Any, data: Path) -> None:
    """A fresh box gets an 'admin' user with a random password, readable by root only."""
    password = secrets.token_urlsafe(9)
    if users.ensure_admin(password):
        path = data / "initial-admin-password"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(password + "\n")
        log.warning("created web user 'admin'; its password is in %s", path)


def cmd_demo(args: Any) -> int:
    from appliance.demo.runner import run_demo
    return run_demo(args)


def cmd_provision(args: Any) -> int:
    from appliance.config.store import ConfigStore
    config = ConfigStore(args.data).provision(args.file)
    print(f"provisioned {args.file} into {args.data}: office {config.office.name!r}, "
          f"{len(config.dispatcher)} dispatchers, {len(config.gsm)} modems")
    return 0


def cmd_check_config(args: Any) -> int:
    from appliance.config.loader import check_config_file
    problems = check_config_file(args.file)
    for problem in problems:
        print(f"{args.file}: {problem}")
    if not problems:
        print(f"{args.file}: ok")
    return 1 if problems else 0


def cmd_token(args: Any) -> int:
    from appliance.auth.cli import run_token
    return run_token(args)


def cmd_backup(args: Any) -> int:
    from appliance.backup.cli import run_backup
    return run_backup(args)


def cmd_user(args: Any) -> int:
    from appliance.auth.cli import run_user
    return run_user(args)
