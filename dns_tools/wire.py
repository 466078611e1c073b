"""Minimal DNS wire format: build a query, parse the parts of a response we use.

Why not dns.message: building and parsing a message with dnspython costs too
much per query for a national run (two queries per name) to beat a naive
resolver loop clearly (bench/dns_check.py). This module only
handles what the checker reads (header flags, rcode, and A/AAAA/CNAME/DNAME/
NS/SOA records); anything it cannot parse raises :class:`WireError` and the
caller treats the response as malformed (and retries).
"""
from __future__ import annotations

import socket
import struct
from typing import NamedTuple

A, NS, CNAME, SOA, AAAA, DNAME = 1, 2, 5, 6, 28, 39
TYPE_CODES = {"A": A, "AAAA": AAAA, "CNAME": CNAME, "NS": NS, "SOA": SOA}
TYPE_NAMES = {A: "A", NS: "NS", CNAME: "CNAME", SOA: "SOA", AAAA: "AAAA", DNAME: "DNAME"}
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}

# EDNS0 OPT record, UDP payload 1232 (DNS flag day 2020), no DO bit.
_OPT = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
_HDR = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")


class WireError(ValueError):
    """Malformed or unsupported message."""


class Record(NamedTuple):
    owner: str   # lowercase, no trailing dot
    rtype: int
    ttl: int
    value: str | None  # address or target name; None for types we do not decode


class Response(NamedTuple):
    rcode: int
    aa: bool
    tc: bool
    ra: bool
    answer: list[Record]
    authority: list[Record]
    additional: list[Record]


def encode_name(name: str) -> bytes:
    """Wire form of a (normalised, ASCII) name."""
    out = bytearray()
    for label in name.split("."):
        if label:
            b = label.encode("ascii")
            out.append(len(b))
            out += b
    out.append(0)
    return bytes(out)


def question(name: str, rtype: int) -> bytes:
    """Question section (lowercased), also used to match responses to queries."""
    return encode_name(name.lower()) + struct.pack("!HH", rtype, 1)


def build_query(qid: int, q: bytes, rd: bool = True) -> bytes:
    """Query with one question ``q`` (from :func:`question`) and EDNS0."""
    return _HDR.pack(qid, 0x0100 if rd else 0, 1, 0, 0, 1) + q + _OPT


def _name(buf: bytes, off: int) -> tuple[str, int]:
    labels: list[str] = []
    end = -1
    hops = 0
    n = len(buf)
    while True:
        if off >= n:
            raise WireError("name runs past the end")
        ln = buf[off]
        if ln == 0:
            off += 1
            break
        if ln & 0xC0 == 0xC0:
            if off + 1 >= n:
                raise WireError("truncated pointer")
            if end < 0:
                end = off + 2
            off = ((ln & 0x3F) << 8) | buf[off + 1]
            hops += 1
            if hops > 127:
                raise WireError("compression loop")
            continue
        if ln & 0xC0:
            raise WireError("bad label type")
        labels.append(buf[off + 1:off + 1 + ln].decode("latin-1"))
        off += 1 + ln
    return ".".join(labels).lower(), (end if end >= 0 else off)


def _records(buf: bytes, off: int, count: int, out: list[Record]) -> int:
    for _ in range(count):
        owner, off = _name(buf, off)
        if off + 10 > len(buf):
            raise WireError("truncated record")
        rtype, _cls, ttl, rdlen = _RR.unpack_from(buf, off)
        off += 10
        end = off + rdlen
        if end > len(buf):
            raise WireError("truncated rdata")
        value: str | None = None
        if rtype == A and rdlen == 4:
            value = socket.inet_ntop(socket.AF_INET, buf[off:end])
        elif rtype == AAAA and rdlen == 16:
            value = socket.inet_ntop(socket.AF_INET6, buf[off:end])
        elif rtype in (CNAME, NS, DNAME, SOA):
            value = _name(buf, off)[0]
        if rtype != 41:  # skip OPT
            out.append(Record(owner, rtype, ttl, value))
        off = end
    return off


def parse(buf: bytes) -> Response:
    """Parse a response; raise :class:`WireError` when it is malformed."""
    if len(buf) < 12:
        raise WireError("short message")
    _qid, flags, qd, an, ns, ar = _HDR.unpack_from(buf, 0)
    if not flags & 0x8000:
        raise WireError("not a response")
    off = 12
    for _ in range(qd):
        off = _name(buf, off)[1] + 4
    answer: list[Record] = []
    authority: list[Record] = []
    additional: list[Record] = []
    tc = bool(flags & 0x0200)
    try:
        off = _records(buf, off, an, answer)
        off = _records(buf, off, ns, authority)
        _records(buf, off, ar, additional)
    except WireError:
        if not tc:
            raise
    return Response(flags & 0x000F, bool(flags & 0x0400), tc, bool(flags & 0x0080), answer, authority, additional)


def format_record(r: Record) -> str:
    """Presentation form used in results: ``name. TTL TYPE value``."""
    t = TYPE_NAMES.get(r.rtype, f"TYPE{r.rtype}")
    v = r.value if r.value is not None else "..."
    if r.rtype in (CNAME, NS, DNAME, SOA):
        v = v + "."
    return f"{r.owner}. {r.ttl} {t} {v}"
