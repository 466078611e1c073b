"""Host normalisation: the table of spellings a Host header can take."""
from __future__ import annotations

import pytest

from tenants.hosts import InvalidHost, normalize_host


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
    ("127.0.0.1:8000", "127.0.0.1"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("a" * 63 + ".tubankab.go.id", "a" * 63 + ".tubankab.go.id"),
])
def test_normalises(raw, expected):
    assert normalize_host(raw) == expected


@pytest.mark.parametrize("raw", [
    None, "", "   ", ".", "..", "jlodro..tubankab.go.id", "a" * 300,
    "a" * 64 + ".tubankab.go.id", "user@jlodro.tubankab.go.id", "jlodro.tubankab.go.id/x",
    "-jlodro.tubankab.go.id", "jlodro-.tubankab.go.id", "jl_odro.tubankab.go.id",
    "jlodro.tubankab.go.id:99999", "jlodro.tubankab.go.id:abc", "jlodro.tubankab.go.id::80",
    "::1", "[::1", "[nothex]:80", "jlodro tubankab.go.id", "jlodro.tubankab.go.id\\x",
    "xn--.example", "\u200b.example", "jlodro.tubankab.go.id#frag",
])
def test_rejects(raw):
    with pytest.raises(InvalidHost):
        normalize_host(raw)


def test_stored_hostname_is_normalised(ctx):
    from tenants.models import Domain

    assert Domain(hostname="Desa.Example.ID.:8080").hostname == "desa.example.id"
