"""One blueprint for the IVR page and its API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ivr", __name__, template_folder="templates", static_folder="static",
               static_url_path="/ivr/static")
