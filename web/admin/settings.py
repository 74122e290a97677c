"""The office's settings on the admin page: dispatchers, queues, GSM lines, lamps.

Each section is one form; a bad value is refused with its field named and highlighted,
and nothing is stored. A saved section is in force for the web at once (menus, names,
targets) and for the core at its next start — the page offers the restart (the call
system is back in about five seconds). Every change lands in the audit log.
"""

from __future__ import annotations

from flask import g, render_template, request

from appliance.errors import ControlError
from appliance.settings.editor import SECTIONS, SettingsEditor, SettingsRefused, fields_of
from web.admin.routes import bp
from web.context import web_context
from web.i18n import gettext as _
from web.security import audit

TITLES = {"dispatcher": "Dispatchers", "queue": "Queues", "gsm": "GSM lines", "lamps": "Lamps"}


def _page(status: int = 200, problems: dict | None = None, done: str = "",
          section: str = "", form=None):
    editor = SettingsEditor(web_context().data_dir)
    sections = []
    for name, (_cls, many) in SECTIONS.items():
        rows = editor.current(name)
        sections.append({"name": name, "many": many, "fields": [f for f, _ in fields_of(name)],
                         "rows": rows if many else [rows]})
    return render_template("admin/settings.html", sections=sections, meta=editor.meta(),
                           problems=problems or {}, done=done, edited=section,
                           form=form or {}, titles={k: _(v) for k, v in TITLES.items()}), status


@bp.get("/settings")
def settings():
    return _page()


@bp.post("/settings/<section>")
def save_settings(section: str):
    if section not in SECTIONS:
        return _page(404, problems={section: _("There is no such section.")})
    editor = SettingsEditor(web_context().data_dir)
    value = editor.rows_from_form(section, request.form)
    try:
        config = editor.update(section, value, g.identity.name)
    except SettingsRefused as exc:
        return _page(400, problems=exc.problems, section=section, form=request.form)
    web_context().config = config  # the web shows the new names and targets at once
    audit("config.change", section, rows=len(value) if isinstance(value, list) else 1)
    return _page(done=_applied_text(), section=section)


def _applied_text() -> str:
    """Ask the core to take the saved settings; say what is in force and what waits."""
    try:
        result = web_context().control.action("config_reload") or {}
    except ControlError:
        return _("Saved. The call system is not running; it uses the new settings when it "
                 "starts.")
    waiting = [TITLES.get(s, s) for s in result.get("restart_needed", [])]
    if waiting:
        return _("Saved. Needs a restart of the call system (Tools > Restart): %(parts)s.",
                 parts=", ".join(_(w) for w in waiting))
    return _("Saved and in force now.")
