"""Host name validation, done before any network traffic.

Why: a malformed name must produce the ``invalid_name`` verdict, never a
query (a bad label can make a resolver answer something misleading) and never
a change in the zone. Rules: LDH labels of 1-63 octets without a leading or
trailing hyphen, at most 253 octets in total, IDNA 2008 (via the ``idna``
package, UTS 46 mapping) for non-ASCII input, lower case, absolute.
"""
from __future__ import annotations

import re

import idna

MAX_NAME = 253
MAX_LABEL = 63
_LDH = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidName(ValueError):
    """The value is not a host name we accept."""


def normalize_name(raw: str) -> str:
    """Return the canonical form: lowercase ASCII (A-labels), no trailing dot.

    The name is always treated as absolute (a trailing dot is accepted and
    removed; it is never resolved relative to a search list).

    >>> normalize_name("Jlodro.TubanKab.go.id.")
    'jlodro.tubankab.go.id'
    """
    if raw is None:
        raise InvalidName("empty name")
    value = raw.strip()
    if value.endswith("."):
        value = value[:-1]
    if not value:
        raise InvalidName("empty name")
    if not value.isascii():
        try:
            value = idna.encode(value, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidName(f"not a valid IDNA 2008 name: {exc}") from None
    value = value.lower()
    labels = value.split(".")
    for label in labels:
        if not label:
            raise InvalidName("empty label")
        if len(label) > MAX_LABEL:
            raise InvalidName(f"label longer than {MAX_LABEL}: {label[:20]}...")
        if not _LDH.match(label):
            raise InvalidName(f"label is not LDH (letters, digits, inner hyphens): {label!r}")
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except idna.IDNAError as exc:
                raise InvalidName(f"invalid A-label {label!r}: {exc}") from None
    if len(value) > MAX_NAME:
        raise InvalidName(f"name longer than {MAX_NAME} characters")
    return value


def is_subdomain(name: str, domain: str) -> bool:
    """True when ``name`` is ``domain`` or below it (both normalised)."""
    return name == domain or name.endswith("." + domain)


def parent(name: str) -> str:
    """The name without its first label (``a.b.c`` -> ``b.c``)."""
    return name.split(".", 1)[1] if "." in name else ""
