"""Search within a village: ranked, highlighted, escaped, scoped."""
from __future__ import annotations

import re

from app.models import PUBLISHED, DRAFT, Post
from app.models.base import utcnow


def _add_post(as_village, slug, title, body, status=PUBLISHED, village="jlodro"):
    from app.extensions import db

    with as_village(village):
        db.session.add(Post(slug=slug, title=title, body_md=body, status=status,
                            published_at=utcnow()))
        db.session.commit()


def test_search_finds_posts_pages_announcements_events(jlodro, seeded):
    html = jlodro.get("/cari?q=posyandu").get_data(as_text=True)
    assert "/pengumuman/jadwal-posyandu" in html
    html = jlodro.get("/cari?q=musrenbangdes").get_data(as_text=True)
    assert "/agenda/musrenbangdes" in html
    html = jlodro.get("/cari?q=sesepuh").get_data(as_text=True)
    assert "/profil/sejarah" in html


def test_title_match_ranks_above_body_match(jlodro, as_village):
    _add_post(as_village, "a-body", "Kegiatan warga", "Pembahasan jembatan baru di dusun.")
    _add_post(as_village, "b-title", "Jembatan baru diresmikan", "Acara berlangsung meriah.")
    html = jlodro.get("/cari?q=jembatan").get_data(as_text=True)
    assert html.index("/berita/b-title") < html.index("/berita/a-body")


def test_highlight_escapes_then_marks(jlodro, as_village):
    _add_post(as_village, "xss", "<script>alert(1)</script> sawah", "Tentang sawah & ladang.")
    html = jlodro.get("/cari?q=sawah").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>sawah</mark>" in html
    assert "<mark>sawah</mark> &amp; ladang" in html


def test_search_excludes_drafts_and_other_villages(jlodro, as_village):
    _add_post(as_village, "draft", "Rahasia draf embung", "x", status=DRAFT)
    _add_post(as_village, "lain", "Embung desa tetangga", "x", village="kebonsari")
    html = jlodro.get("/cari?q=embung").get_data(as_text=True)
    assert "/berita/draft" not in html and "/berita/lain" not in html
    assert "Tidak ada hasil" in html


def test_search_treats_like_wildcards_literally(jlodro, as_village):
    _add_post(as_village, "persen", "Diskon 100% pupuk", "x")
    _add_post(as_village, "lain", "Harga pupuk", "x")
    hits = re.findall(r'href="/berita/([a-z-]+)"', jlodro.get("/cari?q=100%25").get_data(as_text=True))
    assert hits == ["persen"]


def test_search_filter_by_kind_and_bad_kind(jlodro, seeded):
    html = jlodro.get("/cari?q=posyandu&jenis=berita").get_data(as_text=True)
    assert "/pengumuman/jadwal-posyandu" not in html
    assert jlodro.get("/cari?q=x&jenis=nope").status_code == 400


def test_search_module_interface(app, as_village, seeded):
    from app.search import highlight, search

    with as_village("jlodro"), app.test_request_context():
        hits = search("kerja bakti")
        assert hits and hits[0].kind == "berita" and "Kerja bakti" in hits[0].title
        assert search("") == [] and search("a") == []
    assert str(highlight("a < b", ["b"])) == "a &lt; <mark>b</mark>"
