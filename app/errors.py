"""Error pages: themed, in the page language (Indonesian or English), with a way
back; never a stack trace.

JSON endpoints (``/.well-known/``, ``/api/``) get JSON errors instead, always in
Indonesian so API clients see stable texts.
"""
from __future__ import annotations

import logging

from flask import g, jsonify, request
from app.i18n import gettext
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from tenants.routing import UnknownVillage, VillageUnavailable

from .themes import render

log = logging.getLogger(__name__)


def N_(text: str) -> str:
    """Marks an Indonesian text for the catalogue; ``gettext`` translates it when shown."""
    return text


MESSAGES = {
    400: (N_("Permintaan tidak valid"), N_("Maaf, permintaan Anda tidak dapat kami proses.")),
    403: (N_("Akses ditolak"), N_("Maaf, Anda tidak memiliki izin untuk membuka halaman ini.")),
    404: (N_("Halaman tidak ditemukan"),
          N_("Maaf, halaman yang Anda cari tidak ada atau sudah dipindahkan.")),
    405: (N_("Metode tidak diizinkan"),
          N_("Maaf, cara akses ini tidak didukung untuk halaman ini.")),
    413: (N_("Berkas terlalu besar"), N_("Maaf, berkas yang Anda kirim melebihi batas ukuran.")),
    429: (N_("Terlalu banyak permintaan"), N_("Mohon tunggu sebentar lalu coba lagi.")),
    500: (N_("Terjadi kesalahan"), N_("Maaf, terjadi kesalahan pada server. Kesalahan ini sudah "
                                       "dicatat untuk tim kami; silakan coba lagi nanti.")),
    503: (N_("Layanan sedang tidak tersedia"),
          N_("Situs sedang dalam pemeliharaan. Silakan kembali lagi nanti.")),
}

#: The Indonesian descriptions the platform gives ``abort(400/404, description=...)``
#: (public views, pagination, host routing), for the catalogue: shown translated.
DESCRIPTIONS = (
    N_("Nomor halaman tidak valid."), N_("Tahun tidak valid."),
    N_("Kategori dokumen tidak dikenal."), N_("Jenis konten tidak dikenal."),
    N_("Kecamatan tidak dikenal."), N_("Alamat host tidak valid."),
)


class DatabaseUnavailable(ServiceUnavailable):
    """The database connection was lost (a restart): worth another try in a moment."""


def _wants_json() -> bool:
    path = request.path
    return path.startswith("/.well-known/") or path.startswith("/api/")


def handle_http_error(exc: HTTPException):
    code = exc.code or 500
    title, message = MESSAGES.get(code, (exc.name, exc.description or ""))
    params: dict = {}
    if isinstance(exc, UnknownVillage):
        title, message = N_("Desa tidak ditemukan"), N_(
            "Maaf, tidak ada situs desa di alamat ini. Periksa kembali alamat yang Anda ketik."
        )
        g.tenant = None  # never render anything of another village
    elif isinstance(exc, VillageUnavailable):
        params = {"name": exc.tenant.display_name}
        if exc.tenant.status == "suspended":
            title = N_("Situs sedang dalam pemeliharaan")
            message = N_("Situs %(name)s sementara tidak dapat diakses. "
                         "Silakan kembali lagi nanti.")
        else:
            title = N_("Situs desa sedang disiapkan")
            message = N_("Situs %(name)s belum diluncurkan. Silakan kembali lagi nanti.")
    elif isinstance(exc, DatabaseUnavailable):
        message = N_("Layanan terputus sejenak. Silakan muat ulang halaman ini dalam "
                     "beberapa detik.")
    elif code in (400, 404) and exc.description and not exc.description.startswith(
        ("The ", "Bad ", "The browser")
    ):
        message = exc.description  # our own Indonesian descriptions
    if _wants_json():
        response = jsonify(error=title, status=code)
        response.status_code = code
    else:
        # gettext returns a text without a catalogue entry unchanged (werkzeug's English)
        response = exc.get_response()
        response.data = render("error.html", error_code=code, error_title=gettext(title),
                               error_message=gettext(message, **params) if params
                               else gettext(message)).encode()
        response.content_type = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    if isinstance(exc, DatabaseUnavailable):
        response.headers["Retry-After"] = "5"
    elif code == 503:
        response.headers["Retry-After"] = "3600"
    return response


def handle_unexpected(exc: Exception):
    lost_connection = isinstance(exc, DBAPIError) and exc.connection_invalidated
    if lost_connection:  # SQLAlchemy has dropped the pool: the next request reconnects
        log.warning("database connection lost on %s %s: %s", request.host, request.path, exc)
    else:
        log.exception("unhandled error on %s %s", request.host, request.path)
    try:
        from .extensions import db

        db.session.rollback()
    except Exception:  # pragma: no cover - the database may be the thing that failed
        pass
    return handle_http_error(DatabaseUnavailable() if lost_connection else InternalServerError())


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
