"""Host header normalisation: one pure function used when storing AND when looking up.

What a host *name* is belongs to ``dns_tools.names`` (the platform's single
rule, shared with the compliance checker). This module adds only what a Host
header can carry besides a name: a port, an IPv6 literal in brackets, an IPv4
address. Anything else is refused, so that a malformed Host header can never
reach the database or a cache key.
"""
from __future__ import annotations

import ipaddress
import re

from dns_tools.names import MAX_LABEL, MAX_NAME, InvalidName, is_valid_label, normalize_name

__all__ = ["MAX_HOSTNAME", "MAX_LABEL", "InvalidHost", "is_valid_label", "normalize_host"]

MAX_HOSTNAME = MAX_NAME
_PORT = re.compile(r"^[0-9]{1,5}$")


class InvalidHost(InvalidName):
    """The value is not a hostname we accept."""


def _split_port(raw: str) -> str:
    if raw.startswith("["):  # IPv6 literal: [::1] or [::1]:8000
        end = raw.find("]")
        if end == -1:
            raise InvalidHost("unterminated IPv6 literal")
        rest = raw[end + 1:]
        if rest and not (rest.startswith(":") and _PORT.match(rest[1:])):
            raise InvalidHost("bad port")
        return raw[: end + 1]
    if raw.count(":") == 1:
        host, port = raw.split(":")
        if not _PORT.match(port) or int(port) > 65535:
            raise InvalidHost("bad port")
        return host
    if ":" in raw:
        raise InvalidHost("bare IPv6 address without brackets")
    return raw


def normalize_host(raw: str | None) -> str:
    """Return the canonical form of a Host header value or a stored hostname.

    >>> normalize_host("JLODRO.TubanKab.go.id.:8000")
    'jlodro.tubankab.go.id'
    >>> normalize_host("[::1]:8000")
    '::1'
    """
    if raw is None:
        raise InvalidHost("empty host")
    value = raw.strip()
    if not value or len(value) > MAX_HOSTNAME + 8:  # room for ":port" and a dot
        raise InvalidHost("empty or too long")
    if any(ch.isspace() for ch in value):
        raise InvalidHost("whitespace inside the host")
    host = _split_port(value)
    if host.startswith("["):
        try:
            return ipaddress.IPv6Address(host[1:-1]).compressed
        except ValueError as exc:
            raise InvalidHost("bad IPv6 literal") from exc
    bare = host[:-1] if host.endswith(".") else host
    if bare.replace(".", "").isdigit():  # only then can it be an IPv4 address
        try:
            return str(ipaddress.IPv4Address(bare))
        except ValueError:
            pass
    try:
        return normalize_name(host)
    except InvalidName as exc:
        raise InvalidHost(str(exc)) from None
