"""Indonesian formatting of dates and numbers for templates.

Dates read the Indonesian way ("Selasa, 3 Oktober 2018"); amounts as Rupiah
with dot thousands separators ("Rp 1.250.000").
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALE = "id"
#: Tuban is in Western Indonesia Time.
LOCAL_TZ = ZoneInfo("Asia/Jakarta")


def _local(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(LOCAL_TZ)
    return value


def tanggal(value: date | datetime | None, with_day: bool = True) -> str:
    """``Selasa, 3 Oktober 2018`` (or ``3 Oktober 2018`` without the day name)."""
    if value is None:
        return ""
    value = _local(value)
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "EEEE, d MMMM y" if with_day else "d MMMM y",
                       locale=select_locale())


def waktu(value: datetime | None) -> str:
    """``3 Oktober 2018 14.05 WIB``."""
    if value is None:
        return ""
    return format_datetime(_local(value), "d MMMM y HH.mm", locale=LOCALE) + " WIB"


def angka(value: int | float | Decimal | None) -> str:
    return format_decimal(value or 0, locale=LOCALE)


def rupiah(value: int | float | Decimal | None) -> str:
    return "Rp " + format_decimal(Decimal(value or 0).quantize(Decimal(1)), locale=LOCALE)


LANGUAGES = ("id", "en")
LANG_COOKIE = "lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "public" / "translations"


def select_locale() -> str:
    """``?lang=en`` (remembered in a cookie by ``remember_language``), else the cookie, else id."""
    from flask import has_request_context, request

    if not has_request_context():
        return LOCALE
    wanted = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    return wanted if wanted in LANGUAGES else LOCALE


def _remember_language(response):
    from flask import request

    wanted = request.args.get("lang")
    if wanted in LANGUAGES and request.cookies.get(LANG_COOKIE) != wanted:
        response.set_cookie(LANG_COOKIE, wanted, max_age=365 * 86400, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    if "lang" in request.args or LANG_COOKIE in request.cookies:
        response.vary.add("Cookie")
    return response


def init_app(app) -> None:
    from flask_babel import Babel

    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember_language)
    app.jinja_env.globals.update(current_language=select_locale)
    app.jinja_env.filters.update(tanggal=tanggal, waktu=waktu, angka=angka, rupiah=rupiah)
