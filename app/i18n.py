"""Indonesian formatting of dates and numbers for templates.

Dates read the Indonesian way ("Selasa, 3 Oktober 2018"); amounts as Rupiah
with dot thousands separators ("Rp 1.250.000").
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
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
    return format_date(value, "EEEE, d MMMM y" if with_day else "d MMMM y", locale=LOCALE)


def waktu(value: datetime | None) -> str:
    """``3 Oktober 2018 14.05 WIB``."""
    if value is None:
        return ""
    return format_datetime(_local(value), "d MMMM y HH.mm", locale=LOCALE) + " WIB"


def angka(value: int | float | Decimal | None) -> str:
    return format_decimal(value or 0, locale=LOCALE)


def rupiah(value: int | float | Decimal | None) -> str:
    return "Rp " + format_decimal(Decimal(value or 0).quantize(Decimal(1)), locale=LOCALE)


def init_app(app) -> None:
    app.jinja_env.filters.update(tanggal=tanggal, waktu=waktu, angka=angka, rupiah=rupiah)
