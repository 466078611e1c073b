"""The host name rule of the whole platform, done before any network traffic.

Why one owner: the router (``tenants.hosts.normalize_host``), the stored
``Domain`` rows and the compliance checker must agree on what a host name is,
or a name the platform serves could be refused by the checker (or the
reverse). A malformed name gives the ``invalid_name`` verdict, never a query
and never a change in the zone.

Rules: LDH labels of 1-63 octets without a leading or trailing hyphen, at
most 253 octets in total, lower case, absolute (one trailing dot accepted and
dropped). Non-ASCII input is converted to A-labels with IDNA 2008 (the
``idna`` package, UTS 46 mapping); an ``xn--`` label must be a valid A-label.
"""
from __future__ import annotations

import re

import idna

MAX_NAME = 253
MAX_LABEL = 63
_LDH = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidName(ValueError):
    """The value is not a host name we accept."""


def is_valid_label(label: str) -> bool:
    """LDH label: letters, digits, hyphen; 1-63 characters; no hyphen at either end."""
    return bool(_LDH.match(label))


def _check_a_label(label: str) -> None:
    try:
        idna.decode(label)
    except idna.IDNAError as exc:
        raise InvalidName(f"invalid A-label {label!r}: {exc}") from None


def normalize_name(raw: str | None) -> str:
    """Return the canonical form: lowercase ASCII (A-labels), no trailing dot.

    >>> normalize_name("Jlodro.TubanKab.go.id.")
    'jlodro.tubankab.go.id'
    >>> normalize_name("bücher.example")
    'xn--bcher-kva.example'
    """
    if raw is None:
        raise InvalidName("empty name")
    value = raw.strip()
    # The length is checked before IDNA so that an absurd input costs nothing.
    if len(value) > MAX_NAME + 1:
        raise InvalidName(f"name longer than {MAX_NAME} characters")
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
    for label in value.split("."):
        if not label:
            raise InvalidName("empty label")
        if len(label) > MAX_LABEL:
            raise InvalidName(f"label longer than {MAX_LABEL}: {label[:20]}...")
        if not is_valid_label(label):
            raise InvalidName(f"label is not LDH (letters, digits, inner hyphens): {label!r}")
        if label.startswith("xn--"):
            _check_a_label(label)
    if len(value) > MAX_NAME:
        raise InvalidName(f"name longer than {MAX_NAME} characters")
    return value


def is_subdomain(name: str, domain: str) -> bool:
    """True when ``name`` is ``domain`` or below it (both normalised)."""
    return name == domain or name.endswith("." + domain)


def parent(name: str) -> str:
    """The name without its first label (``a.b.c`` -> ``b.c``)."""
    return name.split(".", 1)[1] if "." in name else ""
