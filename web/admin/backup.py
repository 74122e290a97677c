"""The admin's backup page: download an archive now, restore one (checked first)."""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path

from flask import render_template, request, send_file

from appliance.backup.archive import create_backup
from appliance.backup.restore import BackupError, restore_backup
from appliance.errors import ControlError
from web.admin.routes import bp
from web.context import web_context
from web.i18n import gettext as _
from web.security import audit

log = logging.getLogger("callbox.web")

MAX_UPLOAD = 8 * 1024 ** 3  # web.security.UPLOAD_LIMITS lets a restore upload this much


def _page(status: int = 200, error: str = "", done: str = ""):
    cfg = web_context().config.backup
    return render_template("admin/backup.html", error=error, done=done, schedule=cfg), status


@bp.get("/backup")
def backup():
    return _page()


@bp.post("/backup")
def download_backup():
    ctx = web_context()
    passphrase = request.form.get("passphrase", "")
    if passphrase and passphrase != request.form.get("repeat", ""):
        return _page(400, error=_("The two passphrases differ."))
    fd, name = tempfile.mkstemp(prefix=".backup-dl-", dir=ctx.data_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            manifest = create_backup(ctx.data_dir, out, passphrase or None)
    except (OSError, BackupError) as exc:
        os.unlink(name)
        log.error("backup for download failed: %s", exc)
        return _page(500, error=_("The backup could not be made: %(why)s", why=str(exc)))
    audit("backup.download", "", files=len(manifest["files"]), encrypted=bool(passphrase))
    stamp = datetime.now(ctx.tz).strftime("%Y%m%d-%H%M")
    archive = open(name, "rb")  # noqa: SIM115 - send_file closes it
    os.unlink(name)  # gone from the disk now; the open file stays readable until sent
    return send_file(archive, mimetype="application/octet-stream", as_attachment=True,
                     download_name=f"callbox-{stamp}.cbx")


@bp.post("/backup/restore")
def restore():
    ctx = web_context()
    upload = request.files.get("archive")
    if upload is None or not upload.filename:
        return _page(400, error=_("Choose the backup file to restore."))
    fd, name = tempfile.mkstemp(prefix=".restore-up-", dir=ctx.data_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            upload.save(out)
        manifest = restore_backup(ctx.data_dir, name, request.form.get("passphrase") or None)
    except BackupError as exc:
        log.warning("restore refused: %s", exc)
        return _page(400, error=_("Nothing was changed: %(why)s", why=str(exc)))
    finally:
        Path(name).unlink(missing_ok=True)
    audit("backup.restore", upload.filename[:100], created_at=manifest.get("created_at"),
          files=len(manifest["files"]))
    return _page(done=_reload_core(manifest.get("created_at", "")))


def _reload_core(created: str) -> str:
    try:
        web_context().control.action("config_reload")
    except ControlError:
        return _("Restored the backup made %(at)s. Restart the core (health page) so that "
                 "it uses the restored settings.", at=created)
    return _("Restored the backup made %(at)s; the core uses it now.", at=created)
