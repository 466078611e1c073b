"""Field validators shared by the admin forms and the import paths.

Pure functions: each takes the raw value (a string from a form, a CSV cell or a
JSON export) and returns the clean value, or raises ``Invalid`` whose text is
the polite Indonesian message for the operator. They never touch the database,
so a form can run all of them before anything is stored.

``column_limit(Model.attr)`` reads a text column's length from the model, so a
limit is declared once (in the column) and enforced everywhere.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

#: The largest value an ``Integer`` column holds on every supported database.
INT_MAX = 2**31 - 1
#: Free text without a column length (``Text``) is still bounded: nobody writes a
#: village article this long, and an unbounded field is a denial-of-service lever.
TEXT_MAX = 200_000

_SAFE_SCHEMES = ("http", "https", "mailto")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Invalid(ValueError):
    """A value was refused; ``str(exc)`` is the message for the operator."""


def column_limit(attribute) -> int | None:
    """The declared length of a ``String(n)`` column attribute, None for ``Text``."""
    return getattr(attribute.property.columns[0].type, "length", None)


def text(raw, *, label: str, max_length: int | None = None, required: bool = False,
         strip: bool = True) -> str:
    """A string of at most ``max_length`` characters (``TEXT_MAX`` when unset)."""
    value = "" if raw is None else str(raw)
    if strip:
        value = value.strip()
    if required and not value.strip():
        raise Invalid(f"{label} wajib diisi.")
    limit = max_length or TEXT_MAX
    if len(value) > limit:
        raise Invalid(f"{label} terlalu panjang: paling banyak {limit:,} karakter."
                      .replace(",", "."))
    if "\x00" in value:
        raise Invalid(f"{label} berisi karakter yang tidak diizinkan.")
    return value


def link_url(raw, *, label: str = "Tautan", max_length: int = 300) -> str:
    """A link a visitor may follow: http(s), mailto or a path on the same site.

    ``javascript:``, ``data:``, ``//other-host`` and control characters (which
    browsers strip, turning ``java\\tscript:`` back into a script) are refused.
    """
    value = text(raw, label=label, max_length=max_length, required=True)
    message = f"{label} harus diawali /, https://, http:// atau mailto:."
    if _CONTROL.search(value) or " " in value or "\\" in value:
        raise Invalid(message)
    if value.startswith("/"):
        if value.startswith("//"):
            raise Invalid(message)
        return value
    parts = urlsplit(value)
    if parts.scheme.lower() not in _SAFE_SCHEMES:
        raise Invalid(message)
    if parts.scheme.lower() == "mailto":
        if "@" not in parts.path:
            raise Invalid(message)
    elif not parts.hostname or "." not in parts.hostname:
        raise Invalid(message)
    return value


def amount(raw, *, label: str, digits: int = 16, places: int = 2,
           allow_negative: bool = False) -> Decimal:
    """A finite decimal that fits ``Numeric(digits, places)``.

    Accepts ``1500000``, ``1500000.50`` and the Indonesian ``1.500.000,50``.
    ``Infinity``, ``NaN``, exponents beyond the column and (unless allowed)
    negative amounts are refused.
    """
    value = "" if raw is None else str(raw).strip().replace(" ", "")
    if value == "":
        raise Invalid(f"{label} wajib diisi.")
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise Invalid(f"{label} harus berupa angka.") from None
    if not number.is_finite():
        raise Invalid(f"{label} harus berupa angka.")
    if number < 0 and not allow_negative:
        raise Invalid(f"{label} tidak boleh negatif.")
    # Compare exponents, not values: arithmetic on 1e999999999 overflows.
    if number and number.adjusted() >= digits - places:
        raise Invalid(f"{label} terlalu besar.")
    number = number.quantize(Decimal(1).scaleb(-places))
    if number and number.adjusted() >= digits - places:  # 99…9.999 rounds up
        raise Invalid(f"{label} terlalu besar.")
    return number


def integer(raw, *, label: str, minimum: int = 0, maximum: int = INT_MAX) -> int:
    """A whole number within ``minimum``..``maximum`` (the column's range by default)."""
    value = "" if raw is None else str(raw).strip()
    if not re.fullmatch(r"[+-]?\d{1,40}", value):
        raise Invalid(f"{label} harus berupa bilangan bulat.")
    number = int(value)
    if not minimum <= number <= maximum:
        raise Invalid(f"{label} harus antara {minimum} dan {maximum}.")
    return number


def coordinate(raw, *, label: str, limit: int) -> Decimal:
    """A latitude (``limit=90``) or longitude (``limit=180``), six decimal places."""
    value = "" if raw is None else str(raw).strip().replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number.adjusted() > 3 \
            or abs(number) > limit:
        raise Invalid(f"{label} harus berupa angka antara -{limit} dan {limit}.")
    return number.quantize(Decimal("0.000001"))


def latitude(raw) -> Decimal:
    return coordinate(raw, label="Lintang", limit=90)


def longitude(raw) -> Decimal:
    return coordinate(raw, label="Bujur", limit=180)


__all__ = ["INT_MAX", "TEXT_MAX", "Invalid", "amount", "column_limit", "coordinate",
           "integer", "latitude", "link_url", "longitude", "text"]
