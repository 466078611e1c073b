"""The citizens' site of one village (the current tenant)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import views  # noqa: E402,F401
