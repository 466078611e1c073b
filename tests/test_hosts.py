"""Host normalisation: the table of spellings a Host header can take, and the one
host name rule (``dns_tools.names``) that the router and the compliance checker share."""
from __future__ import annotations

import pytest

from dns_tools.names import InvalidName, normalize_name
from tenants.hosts import InvalidHost, normalize_host

LONGEST = ".".join(["a" * 63] * 3 + ["b" * 61])  # 253 characters: the longest legal name


@pytest.mark.parametrize("raw, expected", [
    ("jlodro.tubankab.go.id", "jlodro.tubankab.go.id"),
    ("JLODRO.TubanKab.GO.ID", "jlodro.tubankab.go.id"),
    ("jlodro.tubankab.go.id:8000", "jlodro.tubankab.go.id"),
    ("jlodro.tubankab.go.id.", "jlodro.tubankab.go.id"),
    ("jlodro.tubankab.go.id.:443", "jlodro.tubankab.go.id"),
    ("www.tubankab.go.id", "www.tubankab.go.id"),
    ("  jlodro.tubankab.go.id  ", "jlodro.tubankab.go.id"),
    ("[::1]", "::1"),
    ("[::1]:8000", "::1"),
    ("[2001:DB8::0001]:80", "2001:db8::1"),
    ("[::ffff:192.0.2.1]:443", "::ffff:c000:201"),
    ("127.0.0.1:8000", "127.0.0.1"),
    ("127.0.0.1.", "127.0.0.1"),
    # IDNA: U-labels become A-labels; valid A-labels pass, in any case
    ("bücher.example", "xn--bcher-kva.example"),
    ("BÜCHER.example:8080", "xn--bcher-kva.example"),
    ("désa.tubankab.go.id", "xn--dsa-bma.tubankab.go.id"),
    ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
    ("xn--nxasmq6b.tubankab.go.id", "xn--nxasmq6b.tubankab.go.id"),
    ("a" * 63 + ".tubankab.go.id", "a" * 63 + ".tubankab.go.id"),
    (LONGEST, LONGEST),
    (LONGEST + ".:80", LONGEST),
])
def test_normalises(raw, expected):
    assert normalize_host(raw) == expected


@pytest.mark.parametrize("raw", [
    None, "", "   ", ".", "..", "jlodro..tubankab.go.id", "jlodro.tubankab.go.id..",
    "a" * 300, "a" * 100_000, LONGEST + "b", "a" * 64 + ".tubankab.go.id",
    "user@jlodro.tubankab.go.id", "jlodro.tubankab.go.id/x",
    "-jlodro.tubankab.go.id", "jlodro-.tubankab.go.id", "jl_odro.tubankab.go.id",
    "jlodro.tubankab.go.id:99999", "jlodro.tubankab.go.id:abc", "jlodro.tubankab.go.id::80",
    "jlodro.tubankab.go.id:", "jlodro.tubankab.go.id :80",
    "::1", "[::1", "[nothex]:80", "[::1]x", "[::1]:", "jlodro tubankab.go.id", "jlodro.tubankab.go.id\\x",
    "jlodro.tubankab.go.id#frag", "jlodro.tubankab.go.id?x",
    # IDNA: malformed punycode, A-labels of disallowed code points, invalid U-labels
    "xn--.example", "xn--zz.tubankab.go.id", "xn--bcher-kva1.example", "xn--abc-.example",
    "xn--ls8h.example", "xn--a-ecp.ru", "\u200b.example", "a\u200db.example", "💩.example",
    "bücher_.example",
])
def test_rejects(raw):
    with pytest.raises(InvalidHost):
        normalize_host(raw)


@pytest.mark.parametrize("raw", [
    "JLODRO.TubanKab.go.id.", "bücher.example", "xn--zz.tubankab.go.id", "xn--bcher-kva.example",
    "a" * 64 + ".x", LONGEST, LONGEST + "b", "jl_odro.x", "-x.y", "x..y", "💩.example",
])
def test_router_and_checker_agree(raw):
    """The router and the compliance checker accept and refuse the same names, with the
    same canonical form: a name the platform serves is never an invalid_name verdict."""
    try:
        expected = normalize_name(raw)
    except InvalidName:
        with pytest.raises(InvalidHost):
            normalize_host(raw)
    else:
        assert normalize_host(raw) == expected


def test_invalid_host_is_an_invalid_name():
    with pytest.raises(InvalidName):
        normalize_host("xn--zz.tubankab.go.id")


def test_stored_hostname_is_normalised(ctx):
    from tenants.models import Domain

    assert Domain(hostname="Desa.Example.ID.:8080").hostname == "desa.example.id"
