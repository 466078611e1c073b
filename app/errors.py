"""Error pages: themed, in Indonesian, with a way back; never a stack trace.

JSON endpoints (``/.well-known/``, ``/api/``) get JSON errors instead.
"""
from __future__ import annotations

import logging

from flask import g, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from tenants.routing import UnknownVillage, VillageUnavailable

from .themes import render

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Permintaan tidak valid", "Maaf, permintaan Anda tidak dapat kami proses."),
    403: ("Akses ditolak", "Maaf, Anda tidak memiliki izin untuk membuka halaman ini."),
    404: ("Halaman tidak ditemukan", "Maaf, halaman yang Anda cari tidak ada atau sudah dipindahkan."),
    405: ("Metode tidak diizinkan", "Maaf, cara akses ini tidak didukung untuk halaman ini."),
    413: ("Berkas terlalu besar", "Maaf, berkas yang Anda kirim melebihi batas ukuran."),
    429: ("Terlalu banyak permintaan", "Mohon tunggu sebentar lalu coba lagi."),
    500: ("Terjadi kesalahan", "Maaf, terjadi kesalahan pada server. Tim kami sudah dicatat; silakan coba lagi nanti."),
    503: ("Layanan sedang tidak tersedia", "Situs sedang dalam pemeliharaan. Silakan kembali lagi nanti."),
}


def _wants_json() -> bool:
    path = request.path
    return path.startswith("/.well-known/") or path.startswith("/api/")


def handle_http_error(exc: HTTPException):
    code = exc.code or 500
    title, message = MESSAGES.get(code, (exc.name, exc.description or ""))
    if isinstance(exc, UnknownVillage):
        title, message = "Desa tidak ditemukan", (
            "Maaf, tidak ada situs desa di alamat ini. Periksa kembali alamat yang Anda ketik."
        )
        g.tenant = None  # never render anything of another village
    elif isinstance(exc, VillageUnavailable):
        if exc.tenant.status == "suspended":
            title = "Situs sedang dalam pemeliharaan"
            message = f"Situs {exc.tenant.display_name} sementara tidak dapat diakses. Silakan kembali lagi nanti."
        else:
            title = "Situs desa sedang disiapkan"
            message = f"Situs {exc.tenant.display_name} belum diluncurkan. Silakan kembali lagi nanti."
    elif code in (400, 404) and exc.description and not exc.description.startswith(
        ("The ", "Bad ", "The browser")
    ):
        message = exc.description  # our own Indonesian descriptions
    if _wants_json():
        response = jsonify(error=title, status=code)
        response.status_code = code
    else:
        response = exc.get_response()
        response.data = render("error.html", error_code=code, error_title=title,
                               error_message=message).encode()
        response.content_type = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    if code == 503:
        response.headers["Retry-After"] = "3600"
    return response


def handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.host, request.path)
    try:
        from .extensions import db

        db.session.rollback()
    except Exception:  # pragma: no cover - the database may be the thing that failed
        pass
    return handle_http_error(InternalServerError())


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
