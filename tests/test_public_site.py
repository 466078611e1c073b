"""The citizens' site of a village: every section, empty and filled, and bad input."""
from __future__ import annotations

import pytest

from app.extensions import db

from desa_testing import village

SECTIONS = ["/", "/profil", "/pemerintahan", "/berita", "/pengumuman", "/agenda", "/galeri",
            "/dokumen", "/transparansi", "/statistik", "/kontak"]


@pytest.mark.parametrize("path", SECTIONS)
def test_empty_village_renders_every_section_politely(client, path):
    response = client.get(path, headers={"Host": "bancar.tubankab.go.id"})
    assert response.status_code == 200, path
    assert '<meta name="kode-wilayah" content="35.23.04.' in response.text
    assert "Desa Bancar" in response.text


def test_empty_states_say_so(client):
    home = client.get("/", headers={"Host": "bancar.tubankab.go.id"}).text
    assert "Belum ada berita yang diterbitkan." in home
    assert "Belum ada pengumuman" in home
    assert "Data APBDes belum diisi" in client.get(
        "/transparansi", headers={"Host": "bancar.tubankab.go.id"}).text


@pytest.fixture()
def seeded(app):
    from app.demo import seed_village

    with app.app_context():
        assert seed_village(village("jlodro"))
        db.session.remove()


def test_demo_content_appears_on_every_section(seeded, jlodro):
    assert "Kerja bakti membersihkan saluran irigasi" in jlodro.get("/").text
    assert "Jadwal Posyandu Balita" in jlodro.get("/pengumuman").text
    assert "Musrenbangdes" in jlodro.get("/agenda").text
    assert "Siti Aminah" in jlodro.get("/pemerintahan").text
    transparansi = jlodro.get("/transparansi").text
    assert "Dana Desa" in transparansi and "Rp 950.000.000" in transparansi
    assert "Laki-laki" in jlodro.get("/statistik").text
    visi = jlodro.get("/profil/visi-misi").text
    assert "<h2" in visi and "Desa yang maju" in visi
    post = jlodro.get("/berita/kerja-bakti-membersihkan-saluran-irigasi")
    assert post.status_code == 200
    assert '<link rel="canonical" href="http://jlodro.tubankab.go.id/berita/' in post.text
    assert "Kegiatan Desa" in jlodro.get("/berita/kategori/kegiatan").text
    assert "Gotong royong" in jlodro.get("/berita/tag/gotong-royong").text
    assert "0356 123456" in jlodro.get("/kontak").text


def test_drafts_and_future_schedules_are_not_public(app, jlodro, as_village):
    from datetime import timedelta

    from app.models import Post
    from app.models.base import utcnow

    with as_village("jlodro"):
        db.session.add_all([
            Post(slug="draf", title="Draf rahasia", body_md="x", status="draft"),
            Post(slug="nanti", title="Terjadwal nanti", body_md="x", status="scheduled",
                 published_at=utcnow() + timedelta(days=1)),
            Post(slug="lewat", title="Terjadwal lewat", body_md="x", status="scheduled",
                 published_at=utcnow() - timedelta(minutes=1)),
        ])
        db.session.commit()
    listing = jlodro.get("/berita").text
    assert "Draf rahasia" not in listing and "Terjadwal nanti" not in listing
    assert "Terjadwal lewat" in listing
    assert jlodro.get("/berita/draf").status_code == 404
    assert jlodro.get("/berita/nanti").status_code == 404


def test_pagination(app, jlodro, as_village):
    from app.models import Post
    from app.models.base import utcnow

    with as_village("jlodro"):
        for n in range(23):
            db.session.add(Post(slug=f"p{n}", title=f"Berita nomor {n}", body_md="x",
                                status="published", published_at=utcnow()))
        db.session.commit()
    first = jlodro.get("/berita").text
    assert "Halaman 1 dari 3" in first
    assert jlodro.get("/berita?halaman=3").status_code == 200
    assert jlodro.get("/berita?halaman=4").status_code == 404


@pytest.mark.parametrize("path, status", [
    ("/berita?halaman=abc", 400), ("/berita?halaman=-1", 400), ("/berita?halaman=0", 400),
    ("/berita?halaman=99999999999999999999", 400), ("/berita/" + "x" * 500, 404),
    ("/profil/" + "y" * 200, 404), ("/dokumen?tahun=abcd", 400), ("/dokumen?kategori=zzz", 400),
    ("/transparansi?tahun=20x5", 400), ("/berita/arsip/2026/13", 404), ("/tidak-ada", 404),
    ("/media/../../etc/passwd", 404), ("/_tema/default/../../app/config.py", 404),
    ("/_tema/nope/css/site.css", 404),
])
def test_bad_input_gets_clean_4xx_page(jlodro, path, status):
    response = jlodro.get(path)
    assert response.status_code == status, path
    assert "Traceback" not in response.text
    assert "kembali" in response.text.lower()


def test_unexpected_error_shows_polite_500_without_trace(app, jlodro, monkeypatch):
    from app.public import views

    def boom(*_a, **_k):
        raise ZeroDivisionError("secret detail")

    monkeypatch.setattr(views, "home_lists", boom)
    response = jlodro.get("/")
    assert response.status_code == 500
    assert "Terjadi kesalahan" in response.text
    assert "secret detail" not in response.text and "Traceback" not in response.text


def test_theme_static_is_hashed_and_long_cached(jlodro):
    import re

    home = jlodro.get("/").text
    url = re.search(r'href="(/_tema/default/css/site\.css\?v=[0-9a-f]{12})"', home).group(1)
    response = jlodro.get(url)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "text/css" in response.headers["Content-Type"]


def test_no_external_resources_on_home(seeded, jlodro):
    import re

    home = jlodro.get("/").text
    for attr in re.findall(r'(?:src|href)="([^"]+)"', home):
        assert not attr.startswith(("http://", "https://", "//")) or "tubankab.go.id" in attr or \
            "openstreetmap" in attr, attr


def test_a_failing_database_gets_a_polite_503_asked_once(app, jlodro):
    """The database cannot answer (SQLite locked by a long write, PostgreSQL going
    away): the visitor gets the 503 page in Indonesian with a Retry-After, and the
    error page does not ask the database again (that would fail again, or wait as
    long again)."""
    from sqlalchemy import event

    from app.extensions import db
    from desa_testing import page_cache_off

    jlodro.get("/robots.txt")  # the host is resolved: what follows is the page's own
    with app.app_context():
        engine = db.engine
    attempts = []

    def fail(*_args, **_kwargs):
        attempts.append(1)
        raise engine.dialect.loaded_dbapi.OperationalError("database is locked")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        with page_cache_off(app):
            response = jlodro.get("/berita")
    finally:
        event.remove(engine, "before_cursor_execute", fail)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Layanan terputus sejenak" in response.text
    assert "locked" not in response.text and "Traceback" not in response.text
    assert len(attempts) == 1
    assert jlodro.get("/berita").status_code == 200  # and the next request is served


def test_an_error_page_that_cannot_be_rendered_falls_back_to_plain_text(app, jlodro,
                                                                        monkeypatch):
    from app import errors

    def broken_theme(*_args, **_kwargs):
        raise RuntimeError("theme broken")

    monkeypatch.setattr(errors, "render", broken_theme)
    response = jlodro.get("/halaman-yang-tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.text and '<html lang="id">' in response.text
    assert "theme broken" not in response.text and "Traceback" not in response.text
    english = jlodro.get("/halaman-yang-tidak-ada?lang=en")
    assert english.status_code == 404 and "Page not found" in english.text
