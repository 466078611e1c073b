"""Protection of the citizens' forms, for visitors who have no session.

Flask-WTF's CSRF token lives in the session, and a session cookie makes every later
page of that visitor uncacheable (the page cache serves only cookie-less requests).
The public forms use a double-submit token instead: a signed token in a cookie whose
``Path`` is the form's own section (``/ppid`` or ``/pengaduan``), so the browser
sends it to those pages only, and the same token in a hidden field. A POST is
accepted when both are present, equal, signed by this platform for this village,
and issued more than a few seconds ago (a person reads the form first) and less
than two hours ago. A honeypot field that people never see nor fill catches the
simplest robots.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.i18n import N_

COOKIE = "desa_formulir"
FIELD = "formulir_token"
#: never shown to people (hidden by the theme's CSS, out of the tab order)
HONEYPOT = "situs_web"
MAX_AGE = 2 * 3600
#: a person reads the form before sending it (``CITIZEN_FORM_MIN_SECONDS`` overrides)
MIN_SECONDS = 3



class FormRefused(Exception):
    """The submission cannot be accepted; ``message`` tells the citizen why."""

    def __init__(self, message: str, robot: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.robot = robot


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="desa-formulir-warga")


def _village_id() -> int:
    return g.tenant.id


def issue() -> str:
    """A fresh token for a form page; ``set_cookie`` puts it in the response."""
    return _serializer().dumps({"v": _village_id(), "n": secrets.token_urlsafe(16)})


def set_cookie(response, token: str, section: str) -> None:
    response.set_cookie(COOKIE, token, max_age=MAX_AGE, path=section, httponly=True,
                        samesite="Strict", secure=current_app.config["SESSION_COOKIE_SECURE"])
    response.headers["Cache-Control"] = "no-store"


def check() -> None:
    """Raise ``FormRefused`` unless this POST carries a valid, matching token."""
    if request.form.get(HONEYPOT):
        raise FormRefused(N_("Formulir tidak dapat diterima."), robot=True)
    sent, kept = request.form.get(FIELD, ""), request.cookies.get(COOKIE, "")
    expired = N_("Formulir sudah terlalu lama dibuka atau cookie dimatikan. Muat ulang "
                 "halaman, lalu kirim lagi.")
    if not sent or not kept or not secrets.compare_digest(sent, kept):
        raise FormRefused(expired)
    serializer = _serializer()
    try:
        data, issued = serializer.loads(sent, max_age=MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        raise FormRefused(expired) from None
    except BadSignature:
        raise FormRefused(expired) from None
    if not isinstance(data, dict) or data.get("v") != _village_id():
        raise FormRefused(expired)
    least = current_app.config.get("CITIZEN_FORM_MIN_SECONDS", MIN_SECONDS)
    if (datetime.now(timezone.utc) - issued).total_seconds() < least:
        raise FormRefused(N_("Formulir terkirim terlalu cepat. Periksa isian Anda, lalu kirim "
                             "lagi."), robot=True)
