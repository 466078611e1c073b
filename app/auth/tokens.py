"""One-time password reset links: signed, expiring, single use (auth epoch)."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.extensions import db
from app.models.users import User

RESET_MAX_AGE = 48 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="desa-password-reset")


def make_reset_token(user: User, tenant_id: int | None) -> str:
    return _serializer().dumps({"u": user.id, "e": user.auth_epoch or 0, "t": tenant_id})


def check_reset_token(token: str, tenant_id: int | None) -> User | None:
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    if data.get("t") != tenant_id:
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or (user.auth_epoch or 0) != data.get("e"):
        return None  # already used (password changed since) or stale
    return user


def village_url(primary_host: str, path: str) -> str:
    """An absolute link on the village's stored primary domain, never the request Host."""
    scheme = "https" if current_app.config.get("SESSION_COOKIE_SECURE") or \
        current_app.config.get("DESA_ENV") == "production" else "http"
    return f"{scheme}://{primary_host}{path}"


def reset_url(token: str, primary_host: str) -> str:
    return village_url(primary_host, f"/admin/reset/{token}")
