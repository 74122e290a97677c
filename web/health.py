"""The technician's health page: the box itself (always), the core's lines, capacity and
alarms (when the core answers), and the result of the last callbox.toml import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, render_template

from appliance.errors import ControlError
from appliance.system.firstboot import STATE_NAME, read_state
from web.context import web_context
from web.healthfmt import alarm_text, signal_bars, signal_level, system_rows
from web.i18n import localize_status
from web.render import translator

bp = Blueprint("health", __name__)

PROBLEM_OUTCOMES = ("refused", "failed")
WARN_ALARMS = {"undervoltage_seen"}  # worth knowing, not an emergency


def core_part() -> dict[str, Any]:
    try:
        status = web_context().control.status()
    except ControlError as exc:
        return {"up": False, "message": str(exc)}
    return {"up": True, "version": status.get("version"), "lines": status.get("lines") or [],
            "alarms": status.get("alarms") or [], "capacity": status.get("capacity")}


def firstboot_part(data_dir: Path) -> dict[str, Any] | None:
    """The last import attempt of callbox.toml (firstboot.json), None if there was none."""
    state = read_state(data_dir / STATE_NAME)
    attempt = state.get("last_attempt")
    if not isinstance(attempt, dict):
        return None
    return {"outcome": attempt.get("outcome", ""), "reason": attempt.get("reason", ""),
            "at": attempt.get("at", ""), "sha256": attempt.get("sha256"),
            "last_import_at": (state.get("last_import") or {}).get("at", "")}


def health_report() -> dict[str, Any]:
    """What GET /api/health answers: ``system``, ``core``, ``firstboot``."""
    ctx = web_context()
    return {"system": ctx.health.read(), "core": core_part(),
            "firstboot": firstboot_part(ctx.data_dir)}


@bp.get("/health")
def page():
    report = health_report()
    t = translator()
    core = localize_status(report["core"])  # alarms in the reader's language
    firstboot = report["firstboot"]
    return render_template(
        "health.html", report=report, core=core, firstboot=firstboot,
        rows=system_rows(report["system"], core.get("version"), t),
        system_alarms=[(alarm_text(code, t), "warn" if code in WARN_ALARMS else "bad")
                       for code in report["system"].get("alarms", [])],
        firstboot_problem=bool(firstboot and firstboot["outcome"] in PROBLEM_OUTCOMES),
        signal_bars=signal_bars, signal_level=signal_level)
