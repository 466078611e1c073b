"""``GET /healthz`` on any host: 200 when the database answers, 503 otherwise.

Anyone can call it, so it says only that: no versions, paths, counts or which part
failed (the log has the details).
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not healthy"; details go to the log only
        log.exception("health check: database unreachable")
        db.session.rollback()
        response = jsonify(status="error")
        response.status_code = 503
    else:
        response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
