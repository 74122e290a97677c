"""The ``callbox`` command: one sub-command per process or task."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from appliance.errors import CallboxError, ConfigError

DEFAULT_DATA = "/var/lib/callbox"


def _common(parser: argparse.ArgumentParser, data_default: str = DEFAULT_DATA) -> None:
    parser.add_argument("--config", type=Path, help="callbox.toml to use (validated first)")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("CALLBOX_DATA", data_default)),
                        help="data directory (default %(default)s)")
    parser.add_argument("--log-level", default=os.environ.get("CALLBOX_LOG", "INFO"))
    parser.add_argument("--log-sip", action="store_true", help="log raw SIP traffic")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callbox", description="contact center in a box")
    sub = parser.add_subparsers(dest="command", required=True)
    core = sub.add_parser("core", help="telephony, IVR, queue, lamps, call log")
    _common(core)
    core.add_argument("--sip", help="HOST:PORT to listen for SIP (overrides [sip] listen)")
    web = sub.add_parser("web", help="the web page and API")
    _common(web)
    web.add_argument("--http", help="HOST:PORT (overrides [web] listen)")
    demo = sub.add_parser("demo", help="core + web + simulated phones, callers and modem")
    _common(demo, "var")
    demo.add_argument("--http", default="127.0.0.1:8080")
    demo.add_argument("--sip", default="127.0.0.1:5060")
    demo.add_argument("--no-callers", action="store_true", help="do not generate calls")
    demo.add_argument("--call-every", type=float, default=10.0, help="seconds between calls")
    for name, text in (("provision", "import FILE.toml into the data directory"),
                       ("check-config", "validate FILE.toml and name every bad key")):
        p = sub.add_parser(name, help=text)
        p.add_argument("file", type=Path)
        _common(p)
    from appliance.auth.cli import add_parsers as auth_parsers
    auth_parsers(sub, _common)
    from appliance.backup.cli import add_parsers as backup_parsers
    backup_parsers(sub, _common)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("sim-phones", "sim-callers"):  # simulator processes (own pjsua2)
        import importlib
        module = "appliance.demo." + ("phones" if argv[0] == "sim-phones" else "callers")
        return importlib.import_module(module).main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from appliance import commands
    try:
        return commands.run(args)
    except ConfigError as exc:
        print(f"callbox: invalid configuration: {exc}", file=sys.stderr)
        return 2
    except CallboxError as exc:
        print(f"callbox: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line, never a traceback
        logging.getLogger("callbox").debug("unexpected error", exc_info=True)
        print(f"callbox: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
