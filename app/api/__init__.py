"""Public read-only JSON API (``/api/v1/...``), documented in docs/openapi.yaml.

Village hosts: posts, announcements, agenda, documents, APBDes lines of that
village (scoped by ``tenants.scoping``: another village's id is a 404).
Portal host: the list of villages. Every answer is paginated
(``?page=&per_page=``), cacheable and open to any origin for GET.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
portal_bp = Blueprint("portal_api", __name__, url_prefix="/api/v1")

from . import views  # noqa: E402,F401
