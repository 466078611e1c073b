"""The regency portal on the bare base domain: the directory of every village."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)

from . import views  # noqa: E402,F401
