"""Every public page renders, with content and without (friendly empty states)."""
from __future__ import annotations

import re

import pytest

PAGES = ["/", "/profil", "/pemerintahan", "/berita", "/pengumuman", "/agenda", "/galeri",
         "/dokumen", "/transparansi", "/statistik", "/peta", "/kontak", "/cari", "/cari?q=desa"]


@pytest.mark.parametrize("path", PAGES)
def test_empty_village_renders_every_page(jlodro, path):
    response = jlodro.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assert "Desa Jlodro" in html
    assert "Traceback" not in html


def test_empty_states_are_friendly(jlodro):
    assert "Belum ada berita yang diterbitkan." in jlodro.get("/berita").get_data(as_text=True)
    assert "Data APBDes belum diisi" in jlodro.get("/transparansi").get_data(as_text=True)
    assert "Lokasi kantor desa belum diisi" in jlodro.get("/peta").get_data(as_text=True)
    assert "Tidak ada hasil" in jlodro.get("/cari?q=zzzz").get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES + ["/berita/kategori/kegiatan", "/berita/tag/gotong-royong",
                                          "/pengumuman/jadwal-posyandu", "/agenda/musrenbangdes"])
def test_seeded_village_renders_every_page(jlodro, seeded, path):
    response = jlodro.get(path)
    assert response.status_code == 200, path


def test_archive_by_month(jlodro, seeded):
    html = jlodro.get("/berita").get_data(as_text=True)
    slug = re.search(r'href="/berita/([a-z0-9-]+)"', html).group(1)
    detail = jlodro.get(f"/berita/{slug}").get_data(as_text=True)
    archive = re.search(r'href="(/berita/arsip/\d+/\d+)"', detail).group(1)
    assert slug in jlodro.get(archive).get_data(as_text=True)


def test_transparansi_has_accessible_chart_with_numbers(jlodro, seeded):
    html = jlodro.get("/transparansi").get_data(as_text=True)
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "aria-labelledby" in svg
    assert "Rp " in svg  # values printed as text, not only as bar lengths
    assert 'href="/transparansi/apbdes-' in html


def test_statistik_has_charts(jlodro, seeded):
    html = jlodro.get("/statistik").get_data(as_text=True)
    assert html.count('role="img"') >= 1


def test_shares_are_written_the_indonesian_way(jlodro, seeded):
    """Percentages follow the page language: ``12,5%``, ``12.5%`` in English."""
    shares = re.compile(r'<td class="num"[^>]*>(\d+(?:[.,]\d)?)%</td>')
    for path in ("/statistik", "/transparansi"):
        indonesian = shares.findall(jlodro.get(path + "?lang=id").get_data(as_text=True))
        english = shares.findall(jlodro.get(path + "?lang=en").get_data(as_text=True))
        assert indonesian and len(indonesian) == len(english), path
        assert any("," in value for value in indonesian), indonesian  # some share has decimals
        assert not any("." in value for value in indonesian), indonesian
        assert [value.replace(",", ".") for value in indonesian] == english


def test_share_filter():
    from app.i18n import persen

    assert persen(1, 8) == "12,5%"
    assert persen(1, 3) == "33,3%"
    assert persen(2, 2) == "100%"
    assert persen(5, 0) == "0%" and persen(None, None) == "0%"
    assert persen(123_456, 100) == "123.456%"


def test_peta_uses_vendored_leaflet_and_text_fallback(jlodro, seeded):
    html = jlodro.get("/peta").get_data(as_text=True)
    assert "/_tema/default/vendor/leaflet/leaflet.js" in html
    assert "<script defer" in html
    assert "-6.897" in html and "openstreetmap.org" in html
    # Leaflet's zoom buttons get their titles from the page, in its language
    assert 'data-zoom-in="Perbesar" data-zoom-out="Perkecil"' in html
    english = jlodro.get("/peta?lang=en").get_data(as_text=True)
    assert 'data-zoom-in="Zoom in" data-zoom-out="Zoom out"' in english
    js = jlodro.get(re.search(r'src="(/_tema/default/vendor/leaflet/leaflet.js[^"]*)"', html)
                    .group(1).replace("&amp;", "&"))
    assert js.status_code == 200


@pytest.mark.parametrize("code,path", [(404, "/tidak-ada"), (404, "/berita/tidak-ada"),
                                       (400, "/dokumen?tahun=abc")])
def test_error_pages_are_themed_with_a_way_back(jlodro, code, path):
    response = jlodro.get(path)
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert 'href="/"' in html and "Kembali ke beranda" in html
    assert "site.css" in html


def test_unknown_village_error_page(client):
    response = client.get("/", headers={"Host": "tidakada.tubankab.go.id"})
    assert response.status_code == 404
    assert "Desa tidak ditemukan" in response.get_data(as_text=True)


def test_no_external_requests_and_deferred_scripts(jlodro, seeded):
    for path in ("/", "/berita", "/peta"):
        html = jlodro.get(path).get_data(as_text=True)
        for tag in re.findall(r"<(?:script|link|img)[^>]+>", html):
            src = re.search(r'(?:src|href)="([^"]+)"', tag)
            if src and "rel=\"canonical\"" not in tag and "alternate" not in tag:
                assert not src.group(1).startswith(("http://", "https://", "//")), tag
        for tag in re.findall(r"<script[^>]*>", html):
            assert "defer" in tag or "application/ld+json" in tag, tag


def test_home_page_weight_budget(jlodro, seeded):
    """Home page HTML + CSS + JS (no images) stays under 100 KB."""
    response = jlodro.get("/")
    html = response.get_data(as_text=True)
    total = len(response.data)
    assets = re.findall(r'<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="([^"]+)"', html)
    assert assets
    for url in assets:
        total += len(jlodro.get(url.replace("&amp;", "&")).data)
    assert total <= 100 * 1024, total


def test_images_lazy_with_srcset_macro():
    from pathlib import Path

    macros = Path(__file__).resolve().parents[2] / "themes/default/templates/_macros.html"
    text = macros.read_text()
    assert 'loading="lazy"' in text and "srcset=" in text
