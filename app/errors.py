"""Error pages: themed, in the page language (Indonesian or English), with a way
back; never a stack trace.

JSON endpoints (``/.well-known/``, ``/api/``) get JSON errors instead, always in
Indonesian so API clients see stable texts.
"""
from __future__ import annotations

import logging
from html import escape

from flask import jsonify, request
from app.i18n import gettext, select_locale
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from tenants.routing import UnknownVillage, VillageUnavailable

from .logmask import mask_secret_paths
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
    """The database could not answer (a lost connection, a restart, SQLite busy with a
    long write): worth another try in a moment."""


def _database_failed(exc: Exception) -> bool:
    """An error of the database's state, not of the statement: ``OperationalError`` is
    what drivers raise for lost connections, a server shutting down, too many
    connections or a locked SQLite file."""
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated
                                            or isinstance(exc, OperationalError))


def _error_page(code: int, title: str, message: str) -> str:
    """The themed error page; if even that cannot be rendered (the theme's layout
    reads the village settings, and the database may be what failed), a plain page
    with the same texts: never a stack trace, never the server's bare default."""
    try:
        return render("error.html", error_code=code, error_title=title, error_message=message)
    except Exception:
        log.exception("the error page could not be rendered; plain page instead")
        lang = select_locale()
        return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{escape(title)}</title></head>"
                f"<body><p>{code}</p><h1>{escape(title)}</h1>"
                f"<p>{escape(message)}</p></body></html>")


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
        # one shape for every error (docs/openapi.yaml, Error): the title, the code and
        # what was wrong, in Indonesian
        response = jsonify(error=title, status=code, detail=message)
        response.status_code = code
        for name, value in exc.get_headers():
            if name.lower() != "content-type":  # e.g. Allow on a 405
                response.headers[name] = value
    else:
        # gettext returns a text without a catalogue entry unchanged (werkzeug's English)
        response = exc.get_response()
        response.data = _error_page(code, gettext(title), gettext(message, **params)
                                    if params else gettext(message)).encode()
        response.content_type = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    if isinstance(exc, DatabaseUnavailable):
        response.headers["Retry-After"] = "5"
    elif code == 503:
        response.headers["Retry-After"] = "3600"
    return response


def handle_unexpected(exc: Exception):
    database_failed = _database_failed(exc)
    if database_failed:  # a lost connection: SQLAlchemy has dropped the pool already
        log.warning("database unavailable on %s %s: %s", request.host,
                    mask_secret_paths(request.path), exc)
        from app.public.queries import without_page_frame

        without_page_frame()  # the error page must not ask the database again
    else:
        log.exception("unhandled error on %s %s", request.host, mask_secret_paths(request.path))
    try:
        from .extensions import db

        db.session.rollback()
    except Exception:  # pragma: no cover - the database may be the thing that failed
        pass
    return handle_http_error(DatabaseUnavailable() if database_failed else InternalServerError())


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
