"""Sitemap, robots.txt, Atom feeds, canonical URLs, Open Graph and JSON-LD."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_sitemap_lists_content_on_primary_host(jlodro, seeded):
    response = jlodro.get("/sitemap.xml", headers={"Host": "jlodro.tubankab.go.id"})
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    locs = [u.find(f"{SM}loc").text for u in root.findall(f"{SM}url")]
    assert "http://jlodro.tubankab.go.id/" in locs
    assert any("/berita/kerja-bakti" in loc for loc in locs)
    assert any("/profil/sejarah" in loc for loc in locs)
    assert all(loc.startswith("http://jlodro.tubankab.go.id/") for loc in locs)


def test_canonical_never_uses_request_host(app, client, seeded):
    """An alias host redirects; a dev-domain host maps onto the primary host."""
    html = client.get("/berita", headers={"Host": "jlodro.localhost:5000"}).get_data(as_text=True)
    assert '<link rel="canonical" href="http://jlodro.localhost:5000/berita">' in html


def test_robots(jlodro):
    response = jlodro.get("/robots.txt")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Sitemap: http://jlodro.tubankab.go.id/sitemap.xml" in text
    assert "Disallow: /admin" in text


def test_village_feed_is_atom_with_news_and_announcements(jlodro, seeded):
    response = jlodro.get("/feed.xml")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert "Jadwal Posyandu Balita" in titles
    assert any("Kerja bakti" in t for t in titles)
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert all(link.startswith("http://jlodro.tubankab.go.id/") for link in links)


def test_feed_of_empty_village_is_valid(jlodro):
    root = ET.fromstring(jlodro.get("/feed.xml").data)
    assert root.findall(f"{ATOM}entry") == []


def test_news_detail_has_og_twitter_and_jsonld(jlodro, seeded):
    html = jlodro.get("/berita/musyawarah-desa-membahas-rkpdes").get_data(as_text=True)
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Musyawarah desa membahas RKPDes' in html
    assert 'property="og:url" content="http://jlodro.tubankab.go.id/berita/musyawarah-desa' in html
    assert 'name="twitter:card"' in html
    blocks = [json.loads(b) for b in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    types = {b["@type"] for b in blocks}
    assert {"GovernmentOrganization", "NewsArticle"} <= types
    article = next(b for b in blocks if b["@type"] == "NewsArticle")
    assert article["headline"].startswith("Musyawarah")


def test_og_image_is_post_cover(app, jlodro, seeded, as_village):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import MediaFile, Post

    with as_village("jlodro"):
        media = MediaFile(key=f"{_code(app)}/img/cover.jpg", kind="image",
                          content_type="image/jpeg", alt="Sampul", variants={})
        post = db.session.scalar(select(Post).where(Post.slug.like("kerja-bakti%")))
        post.cover = media
        db.session.commit()
        slug = post.slug
    html = jlodro.get(f"/berita/{slug}").get_data(as_text=True)
    assert re.search(r'<meta property="og:image" content="http://jlodro\.tubankab\.go\.id/media/'
                     r'[^"]+cover\.jpg">', html)
    assert 'content="summary_large_image"' in html


def _code(app):
    from sqlalchemy import select

    from app.extensions import db
    from tenants.models import Tenant
    from tenants.scoping import system_scope

    with system_scope():
        return db.session.scalar(select(Tenant.code).where(Tenant.slug == "jlodro"))


def test_portal_feed_robots_sitemap(client, seeded):
    root = ET.fromstring(client.get("/feed.xml", headers={"Host": "tubankab.go.id"}).data)
    entries = root.findall(f"{ATOM}entry")
    links = {e.find(f"{ATOM}link").get("href") for e in entries}
    assert any(link.startswith("http://jlodro.tubankab.go.id/berita/") for link in links)
    assert any(link.startswith("http://kebonsari.tubankab.go.id/") for link in links)
    assert "Sitemap:" in client.get("/robots.txt", headers={"Host": "tubankab.go.id"}).get_data(
        as_text=True)
    ET.fromstring(client.get("/sitemap.xml", headers={"Host": "tubankab.go.id"}).data)


def test_english_interface_via_cookie(jlodro, seeded):
    response = jlodro.get("/?lang=en")
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html and ">News<" in html and "Latest news" in html
    assert "lang=en" in response.headers.get("Set-Cookie", "")
    html = jlodro.get("/berita").get_data(as_text=True)  # cookie remembered
    assert '<html lang="en">' in html
    html = jlodro.get("/?lang=id").get_data(as_text=True)
    assert '<html lang="id">' in html and ">Berita<" in html


def test_dates_are_indonesian(jlodro, seeded):
    html = jlodro.get("/agenda").get_data(as_text=True)
    assert re.search(r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} "
                     r"(Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|"
                     r"November|Desember) \d{4}", html)
