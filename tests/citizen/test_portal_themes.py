"""Regency portal (directory, aggregated news) and the theme system."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from app.extensions import db
from tenants.models import Tenant
from tenants.scoping import system_scope

PORTAL = {"Host": "tubankab.go.id"}
THEMES = Path(__file__).resolve().parents[2] / "themes"


def test_directory(client):
    html = client.get("/", headers=PORTAL).get_data(as_text=True)
    assert "Kecamatan Montong" in html and "Jlodro" in html
    html = client.get("/?q=jlodro", headers=PORTAL).get_data(as_text=True)
    assert "1 desa/kelurahan" in html


def test_aggregated_news_links_back_to_villages(client, seeded):
    html = client.get("/berita", headers=PORTAL).get_data(as_text=True)
    assert "http://jlodro.tubankab.go.id/berita/kerja-bakti" in html
    assert "http://kebonsari.tubankab.go.id/pengumuman/jadwal-posyandu" in html


def test_aggregated_news_filter_by_kecamatan(app, client, seeded):
    with app.app_context(), system_scope():
        jlodro = db.session.query(Tenant).filter_by(slug="jlodro").one()
        kec = jlodro.kecamatan_name
    html = client.get(f"/berita?kecamatan={kec}", headers=PORTAL).get_data(as_text=True)
    assert "jlodro.tubankab.go.id" in html and "kebonsari.tubankab.go.id" not in html
    assert client.get("/berita?kecamatan=Atlantis", headers=PORTAL).status_code == 400


def test_aggregation_skips_suspended_villages(app, client, seeded):
    with app.app_context(), system_scope():
        db.session.execute(update(Tenant).where(Tenant.slug == "kebonsari").values(status="suspended"))
        db.session.commit()
    html = client.get("/berita", headers=PORTAL).get_data(as_text=True)
    assert "kebonsari.tubankab.go.id" not in html


def test_at_least_three_themes_with_manifests():
    names = [p.parent.name for p in THEMES.glob("*/theme.json")]
    assert {"default", "modern", "kontras"} <= set(names)
    for name in names:
        manifest = json.loads((THEMES / name / "theme.json").read_text())
        assert {"name", "description", "preview", "colors"} <= set(manifest)
        assert (THEMES / name / manifest["preview"]).is_file(), name


@pytest.mark.parametrize("theme", ["default", "modern", "kontras"])
def test_village_theme_choice(app, jlodro, seeded, theme):
    from tenants.resolver import get_resolver

    with app.app_context(), system_scope():
        db.session.execute(update(Tenant).where(Tenant.slug == "jlodro").values(theme=theme))
        db.session.commit()
        get_resolver(app).invalidate()
    for path in ("/", "/berita", "/transparansi", "/tidak-ada"):
        response = jlodro.get(path)
        assert response.status_code in (200, 404)
        html = response.get_data(as_text=True)
        assert f'class="theme-{theme}"' in html
        if theme != "default":
            assert f"/_tema/{theme}/css/theme.css" in html


def test_preview_only_for_logged_in_operators(app, client, jlodro):
    from app.models import Membership, User
    from desa_testing import village
    from tenants.scoping import tenant_context

    html = jlodro.get("/?pratinjau_tema=kontras").get_data(as_text=True)
    assert 'class="theme-default"' in html
    # a forged-looking session key that app.auth never sets gives nothing
    with client.session_transaction(base_url="http://jlodro.tubankab.go.id") as session:
        session["user_id"] = 1
    html = jlodro.get("/?pratinjau_tema=kontras").get_data(as_text=True)
    assert 'class="theme-default"' in html
    with app.app_context():
        user = User(email="pratinjau@jlodro.id", name="Op")
        user.set_password("Pratinjau-Tema-2026")
        db.session.add(user)
        db.session.commit()
        with tenant_context(village("jlodro").id):
            db.session.add(Membership(user_id=user.id, role="admin"))
            db.session.commit()
    login = jlodro.post("/admin/login", data={"email": "pratinjau@jlodro.id",
                                              "password": "Pratinjau-Tema-2026"})
    assert login.status_code == 302
    html = jlodro.get("/?pratinjau_tema=kontras").get_data(as_text=True)
    assert 'class="theme-kontras"' in html
    html = jlodro.get("/?pratinjau_tema=../../etc").get_data(as_text=True)
    assert 'class="theme-default"' in html


def test_primary_colour_is_validated(app, jlodro, seeded, as_village):
    from app.models import SiteSettings

    with as_village("jlodro"):
        settings = db.session.query(SiteSettings).one()
        settings.primary_color = "#123456"
        db.session.commit()
    assert ":root{--primary:#123456}" in jlodro.get("/").get_data(as_text=True)


def _set_theme(app, theme):
    from tenants.resolver import get_resolver

    with app.app_context(), system_scope():
        db.session.execute(update(Tenant).where(Tenant.slug == "jlodro").values(theme=theme))
        db.session.commit()
        get_resolver(app).invalidate()


def test_kontras_ignores_primary_colour(app, jlodro, seeded, as_village):
    from app.models import SiteSettings

    with as_village("jlodro"):
        db.session.query(SiteSettings).one().primary_color = "#123456"
        db.session.commit()
    _set_theme(app, "kontras")
    assert "--primary:#123456" not in jlodro.get("/").get_data(as_text=True)


def test_modern_home_shows_header_photo_and_logo(app, jlodro, seeded, as_village):
    from app.models import MediaFile, SiteSettings

    with as_village("jlodro"):
        settings = db.session.query(SiteSettings).one()
        tenant_code = _code()
        settings.header = MediaFile(
            key=f"{tenant_code}/img/header.jpg", kind="image", content_type="image/jpeg",
            alt="Sawah desa", variants={"large": {"key": f"{tenant_code}/img/header-large.jpg",
                                               "width": 1600, "height": 900}})
        settings.logo = MediaFile(key=f"{tenant_code}/img/logo.png", kind="image",
                                  content_type="image/png", alt="", variants={})
        db.session.commit()
    _set_theme(app, "modern")
    html = jlodro.get("/").get_data(as_text=True)
    assert 'class="cover-hero has-photo"' in html and 'alt="Sawah desa"' in html
    assert "1600w" in html and 'class="logo"' in html
    assert 'property="og:image"' in html


def _code():
    from sqlalchemy import select

    with system_scope():
        return db.session.scalar(select(Tenant.code).where(Tenant.slug == "jlodro"))


@pytest.mark.parametrize("theme", ["default", "modern", "kontras"])
def test_home_page_weight_budget_every_theme(app, jlodro, seeded, theme):
    import re

    _set_theme(app, theme)
    response = jlodro.get("/")
    total = len(response.data)
    html = response.get_data(as_text=True)
    for url in re.findall(r'<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="([^"]+)"', html):
        total += len(jlodro.get(url.replace("&amp;", "&")).data)
    assert total <= 100 * 1024, total


def test_suspended_village_page_is_friendly(app, jlodro):
    with app.app_context(), system_scope():
        db.session.execute(update(Tenant).where(Tenant.slug == "jlodro").values(status="suspended"))
        db.session.commit()
        from tenants.resolver import get_resolver

        get_resolver(app).invalidate()
    response = jlodro.get("/")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "pemeliharaan" in html and 'href="http://tubankab.go.id/"' in html


PAGES = ["/", "/profil", "/pemerintahan", "/berita", "/pengumuman", "/agenda", "/galeri",
         "/dokumen", "/transparansi", "/statistik", "/peta", "/kontak", "/cari?q=x"]


@pytest.mark.parametrize("theme", ["modern", "kontras"])
def test_empty_village_every_page_every_theme(app, jlodro, theme):
    _set_theme(app, theme)
    for path in PAGES:
        response = jlodro.get(path)
        assert response.status_code == 200, (theme, path)
        assert f'class="theme-{theme}"' in response.get_data(as_text=True)


def test_gallery_album_lightbox(app, jlodro, as_village):
    from app.models import Album, MediaFile, Photo

    with as_village("jlodro"):
        code = _code()
        album = Album(slug="panen", title="Panen raya", status="published")
        for i in range(2):
            media = MediaFile(key=f"{code}/img/p{i}.jpg", kind="image", content_type="image/jpeg",
                              alt=f"Foto panen {i}", variants={
                                  "thumb": {"key": f"{code}/img/p{i}-thumb.jpg", "width": 300,
                                            "height": 300}})
            album.photos.append(Photo(media=media, caption=f"Panen {i}", position=i))
        db.session.add(album)
        db.session.commit()
    html = jlodro.get("/galeri/panen").get_data(as_text=True)
    assert 'href="#foto-1"' in html and 'id="foto-2"' in html and 'loading="lazy"' in html
    assert "300w" in html and html.count('&larr; Sebelumnya') == 1


def test_template_globals_are_a_live_read_only_view(app, jlodro):
    """Templates read the environment's globals through a read-only live view (a
    faster stand-in for Jinja's ChainMap): a global added later is seen, and a
    template cannot write into the environment's globals."""
    from app.fastpaths import template_environment
    from app.themes import PREFIX

    with app.app_context():
        environment = template_environment(app, "id")
        template = environment.get_template(f"{PREFIX}default/home.html")
        app.jinja_env.globals["probe_global"] = "ada"
        try:
            assert template.globals["probe_global"] == "ada"
            with pytest.raises(TypeError):
                template.globals["probe_global"] = "diubah"
        finally:
            del app.jinja_env.globals["probe_global"]
    assert jlodro.get("/").status_code == 200
