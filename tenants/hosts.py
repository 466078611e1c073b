"""Hostname normalisation: one pure function used when storing AND when looking up.

A hostname is stored and compared lowercase, without port and without the
trailing dot of an absolute name; non-ASCII names are converted to their IDNA
(punycode) form. Anything that is not a valid hostname is refused, so that a
malformed Host header can never reach the database or a cache key.
"""
from __future__ import annotations

import ipaddress
import re

import idna

MAX_HOSTNAME = 253
MAX_LABEL = 63
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PORT = re.compile(r"^[0-9]{1,5}$")


class InvalidHost(ValueError):
    """The value is not a hostname we accept."""


def is_valid_label(label: str) -> bool:
    """LDH label: letters, digits, hyphen; 1-63 characters; no hyphen at either end."""
    return bool(_LABEL.match(label))


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
    if any(ch in value for ch in "@/\\?# \t"):
        raise InvalidHost("not a hostname")
    host = _split_port(value)
    if host.startswith("["):
        try:
            return ipaddress.IPv6Address(host[1:-1]).compressed
        except ValueError as exc:
            raise InvalidHost("bad IPv6 literal") from exc
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise InvalidHost("empty host")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidHost("invalid internationalised name") from exc
    host = host.lower()
    if len(host) > MAX_HOSTNAME:
        raise InvalidHost("too long")
    if host.replace(".", "").isdigit():  # only then can it be an IPv4 address
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            pass
    if not all(is_valid_label(label) for label in host.split(".")):
        raise InvalidHost("invalid label")
    return host
