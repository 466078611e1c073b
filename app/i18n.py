"""Language of the public pages: Indonesian by default, English on request.

Dates follow the page language: "Selasa, 3 Oktober 2018" in Indonesian,
"Tuesday, 3 October 2018" in English; so do numbers and amounts ("Rp 1.250.000"
/ "Rp 1,250,000") and clock times ("14.05 WIB" / "14:05 WIB"). The English
catalogue is ``app/public/translations/en`` (see README, "Languages").
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import has_request_context, request

from tenants.routing import request_state

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
    return _format_date(value, "EEEE, d MMMM y" if with_day else "d MMMM y", select_locale())


@lru_cache(maxsize=8192)
def _format_date(value: date, pattern: str, locale: str) -> str:
    """Babel's formatting, remembered: a page shows a handful of dates, mostly the
    same ones as the page before, and Babel's formatting is slow for each."""
    return format_date(value, pattern, locale=locale)


def _clock() -> str:
    """Hours and minutes: ``14.05`` in Indonesian, ``14:05`` in English."""
    return "HH:mm" if select_locale() == "en" else "HH.mm"


def waktu(value: datetime | None) -> str:
    """``3 Oktober 2018 14.05 WIB`` (``3 October 2018 14:05 WIB``)."""
    if value is None:
        return ""
    return format_datetime(_local(value), "d MMMM y " + _clock(),
                           locale=select_locale()) + " WIB"


def jam(value: time | None) -> str:
    """A time of day without zone: ``09.00`` (``09:00`` in English)."""
    if value is None:
        return ""
    return value.strftime("%H:%M" if select_locale() == "en" else "%H.%M")


def angka(value: int | float | Decimal | None) -> str:
    return format_decimal(value or 0, locale=select_locale())


def rupiah(value: int | float | Decimal | None) -> str:
    return "Rp " + format_decimal(Decimal(value or 0).quantize(Decimal(1)),
                                  locale=select_locale())


def persen(part: int | float | Decimal | None, whole: int | float | Decimal | None) -> str:
    """``part`` as a share of ``whole``, one decimal: ``12,5%`` (``12.5%`` in English);
    ``0%`` when the whole is zero or missing."""
    if not whole:
        return "0%"
    share = Decimal(part or 0) * 100 / Decimal(whole)
    return format_decimal(share, "#,##0.#", locale=select_locale()) + "%"


def N_(text: str) -> str:
    """Marks an Indonesian text for the catalogue; it is translated where it is shown."""
    return text


#: How the name of a regency or city reads: "Kabupaten Tuban" / "Tuban Regency".
AREA_KINDS = {"Kabupaten ": N_("Kabupaten %(name)s"), "Kota ": N_("Kota %(name)s")}


def wilayah(value: str | None) -> str:
    """A regency/city name from the area data in the page language."""
    if not value:
        return ""
    for prefix, pattern in AREA_KINDS.items():
        if value.startswith(prefix) and has_request_context():
            return gettext(pattern, name=value[len(prefix):])
    return value


LANGUAGES = ("id", "en")
LANG_COOKIE = "lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "public" / "translations"


def select_locale() -> str:
    """``?lang=en`` (remembered in a cookie by ``remember_language``), else the cookie, else id;
    decided once per request (a page asks at every date, area name and label)."""
    if not has_request_context():
        return LOCALE
    state = request_state()
    if state.language is None:
        state.language = language_of(request.args.get(LANG_COOKIE),
                                     request.cookies.get(LANG_COOKIE))
    return state.language


def language_of(asked: str | None, remembered: str | None) -> str:
    """The page language from ``?lang=`` and the ``lang`` cookie (also used by the page
    cache, which must key pages exactly as they are rendered)."""
    wanted = asked or remembered
    return wanted if wanted in LANGUAGES else LOCALE


_catalogues: dict[str, object] = {}


def catalogue():
    """The compiled catalogue of the page language, loaded once per process.

    Templates call gettext dozens of times per page; going through Flask-Babel's
    per-call context lookups cost a noticeable share of a page, this costs a dict
    lookup. Indonesian is the source language: its catalogue is empty and every
    text comes back as written.
    """
    return catalogue_of(select_locale())


def catalogue_of(locale: str):
    """The compiled catalogue of ``locale`` (see ``catalogue``)."""
    found = _catalogues.get(locale)
    if found is None:
        from babel.support import NullTranslations, Translations

        found = Translations.load(str(TRANSLATIONS_DIR), [locale], "messages") \
            if locale != LOCALE else NullTranslations()
        _catalogues[locale] = found
    return found


def gettext(text: str, **variables) -> str:
    """``text`` in the page language, with ``%(name)s`` placeholders filled."""
    translated = catalogue().ugettext(text)
    return translated % variables if variables else translated


def _install_fast_gettext(jinja_env) -> None:
    jinja_env.install_gettext_callables(
        lambda text: catalogue().ugettext(text),
        lambda singular, plural, n: catalogue().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, text: catalogue().upgettext(context, text),
        npgettext=lambda context, singular, plural, n:
            catalogue().unpgettext(context, singular, plural, n),
    )


def _remember_language(response):
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
    _install_fast_gettext(app.jinja_env)
    app.after_request(_remember_language)
    app.jinja_env.globals.update(current_language=select_locale)
    app.jinja_env.filters.update(tanggal=tanggal, waktu=waktu, jam=jam, angka=angka,
                                  rupiah=rupiah, wilayah=wilayah, persen=persen)
