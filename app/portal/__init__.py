"""The regency portal on the bare base domain: the directory of every village."""
from __future__ import annotations

from flask import Blueprint, current_app

bp = Blueprint("portal", __name__)


def portal_regency() -> str | None:
    """The regency the portal (and its API) shows; None: every village of the
    deployment (``PORTAL_REGENCY=ALL``)."""
    regency = current_app.config.get("PORTAL_REGENCY")
    return regency if regency and regency != "ALL" else None

from . import views  # noqa: E402,F401
