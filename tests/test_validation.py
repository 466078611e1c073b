"""The shared field validators (app.validation): what they accept and refuse."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app import validation as v
from app.models import BudgetLine, MenuItem, Post


@pytest.mark.parametrize("url", [
    "/halaman/bumdes", "https://tubankab.go.id/x?a=1", "http://desa.id", "mailto:kades@desa.id",
    "HTTPS://Example.org"])
def test_safe_links_accepted(url):
    assert v.link_url(url) == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)", " javascript:x",
    "data:text/html,<b>", "//evil.example", "vbscript:x", "https://", "http://localhost",
    "ftp://desa.id", "/\\evil.example", "mailto:", "", "https://a.id/" + "x" * 300])
def test_unsafe_links_refused(url):
    with pytest.raises(v.Invalid):
        v.link_url(url)


def test_amounts():
    assert v.amount("1.500.000,50", label="A") == Decimal("1500000.50")
    assert v.amount("1500000.5", label="A") == Decimal("1500000.50")
    assert v.amount("99999999999999.99", label="A") == Decimal("99999999999999.99")
    for bad in ("Infinity", "-Infinity", "NaN", "sNaN", "1e999999999", "100000000000000",
                "-5", "abc", ""):
        with pytest.raises(v.Invalid):
            v.amount(bad, label="Anggaran")
    assert v.amount("-5", label="A", allow_negative=True) == Decimal("-5.00")


def test_integers():
    assert v.integer("2026", label="Tahun") == 2026
    for bad in ("99999999999999999999", "2147483648", "-1", "1.5", "1e3", "x" * 50, ""):
        with pytest.raises(v.Invalid):
            v.integer(bad, label="Urutan")
    assert v.integer("-3", label="X", minimum=-10) == -3


def test_coordinates():
    assert v.latitude("-6,9") == Decimal("-6.900000")
    assert v.longitude("112.05") == Decimal("112.050000")
    for bad in ("91", "nan", "Infinity", "1e9", "x"):
        with pytest.raises(v.Invalid):
            v.latitude(bad)
    with pytest.raises(v.Invalid):
        v.longitude("-180.5")


def test_text_limits_come_from_the_columns():
    assert v.column_limit(Post.title) == 200
    assert v.column_limit(MenuItem.label) == 80
    assert v.column_limit(Post.body_md) is None
    assert v.column_limit(BudgetLine.name) == 200
    with pytest.raises(v.Invalid, match="terlalu panjang"):
        v.text("x" * 1_000_000, label="Judul", max_length=200)
    with pytest.raises(v.Invalid, match="terlalu panjang"):
        v.text("x" * (v.TEXT_MAX + 1), label="Isi")
    with pytest.raises(v.Invalid, match="wajib"):
        v.text("  ", label="Judul", required=True)
    assert v.text("  a  ", label="J") == "a"
    assert v.text("  a  ", label="J", strip=False) == "  a  "


def test_amount_rounding_up_past_the_column_is_refused():
    with pytest.raises(v.Invalid, match="terlalu besar"):
        v.amount("99999999999999.999", label="A")
    assert v.amount("1e-999999999", label="A") == Decimal("0.00")
