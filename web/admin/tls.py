"""The admin's HTTPS certificate page: see the one served, install a real one."""

from __future__ import annotations

from pathlib import Path

from flask import render_template, request

from appliance.auth.certs import CertError, current, install
from web.admin.routes import bp
from web.context import web_context
from web.i18n import gettext as _
from web.security import audit

MAX_PEM = 64 * 1024


def _page(status: int = 200, error: str = "", done: str = ""):
    return render_template("admin/tls.html", cert=current(web_context().data_dir),
                           error=error, done=done), status


@bp.get("/tls")
def tls():
    return _page()


def _read(field: str, path_field: str) -> bytes:
    upload = request.files.get(field)
    if upload is not None and upload.filename:
        return upload.read(MAX_PEM + 1)[:MAX_PEM + 1]
    path = (request.form.get(path_field) or "").strip()
    if path:
        try:
            return Path(path).read_bytes()[:MAX_PEM + 1]
        except OSError as exc:
            raise CertError(f"cannot read {path}: {exc.strerror}") from None
    raise CertError("give the certificate and its key (upload, or a path on the box)")


@bp.post("/tls")
def install_tls():
    try:
        info = install(web_context().data_dir, _read("cert", "cert_path"),
                       _read("key", "key_path"))
    except CertError as exc:
        return _page(400, error=_("The certificate was not installed: %(why)s", why=str(exc)))
    audit("tls.install", info.subject, names=list(info.names), not_after=info.not_after)
    return _page(done=_("Installed; the box serves it within a few seconds."))
