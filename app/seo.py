"""Findability of a village site: sitemap, robots.txt, Atom feed, canonical URLs,
Open Graph / Twitter card tags and schema.org JSON-LD.

Absolute URLs are always built from the village's stored primary host (the base
domain on the portal), never from the request's Host header: see
``tenants.routing.Links``.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from xml.sax.saxutils import escape as xml_escape

from flask import Blueprint, Response, request
from app.i18n import gettext
from markupsafe import Markup
from sqlalchemy import select

from app.extensions import db
from app.fastpaths import built_once
from tenants.routing import current_tenant, portal_url, village_url

bp = Blueprint("seo", __name__)

#: Paths of the fixed sections of every village site, for the sitemap.
SECTIONS = ("/", "/profil", "/pemerintahan", "/berita", "/pengumuman", "/agenda", "/galeri",
            "/dokumen", "/transparansi", "/statistik", "/peta", "/kontak")
FEED_SIZE = 20


def site_url(path: str = "/") -> str:
    """Absolute URL of ``path`` on this site: the village's stored primary host, or
    the base domain on the portal."""
    tenant = current_tenant()
    return village_url(tenant.primary_host, path) if tenant is not None else portal_url(path)


def canonical_url() -> str:
    """The canonical URL of the current page: primary host, path, page number only."""
    path = request.path
    page = request.args.get("halaman", "")
    if page.isdigit() and page != "1":
        path += f"?halaman={page}"
    return site_url(path)


def _iso(value) -> str:
    if value is None:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value.isoformat()


def json_ld(data: dict) -> Markup:
    """A ``<script type="application/ld+json">`` block, safe against ``</script>``."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')


def organization_ld(settings=None) -> dict:
    tenant = current_tenant()
    data = {
        "@context": "https://schema.org",
        "@type": "GovernmentOrganization",
        "name": tenant.display_name,
        "url": site_url("/"),
        "address": {
            "@type": "PostalAddress",
            "streetAddress": (settings.address if settings and settings.address else None),
            "addressLocality": tenant.kecamatan_name,
            "addressRegion": tenant.regency_name,
            "addressCountry": "ID",
        },
        "identifier": tenant.code,
    }
    if settings is not None:
        if settings.phone:
            data["telephone"] = settings.phone
        if settings.email:
            data["email"] = settings.email
        if settings.latitude is not None and settings.longitude is not None:
            data["geo"] = {"@type": "GeoCoordinates", "latitude": float(settings.latitude),
                           "longitude": float(settings.longitude)}
    data["address"] = {k: v for k, v in data["address"].items() if v is not None}
    return data


def article_ld(post, image_url: str | None) -> dict:
    tenant = current_tenant()
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.title[:110],
        "datePublished": _iso(post.published_at),
        "dateModified": _iso(post.updated_at or post.published_at),
        "mainEntityOfPage": site_url(f"/berita/{post.slug}"),
        "author": {"@type": "Person", "name": post.author_name} if post.author_name else
        {"@type": "GovernmentOrganization", "name": tenant.display_name},
        "publisher": {"@type": "GovernmentOrganization", "name": tenant.display_name,
                      "url": site_url("/")},
    }
    if post.excerpt:
        data["description"] = post.excerpt
    if image_url:
        data["image"] = [image_url]
    return data


def absolute_media_url(media_file, variant: str | None = "large") -> str | None:
    if media_file is None:
        return None
    from app.public.views import media_url

    return site_url(media_url(media_file, variant))


# -- sitemap, robots, feed ------------------------------------------------------
def _xml_response(body: str, mimetype: str, max_age: int = 900) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def sitemap_xml(entries) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in entries:
        parts.append(f"<url><loc>{xml_escape(loc)}</loc>"
                     + (f"<lastmod>{_iso(lastmod)}</lastmod>" if lastmod else "") + "</url>")
    parts.append("</urlset>")
    return "\n".join(parts)


def atom_xml(title: str, self_url: str, home_url: str, entries, lang: str | None = None) -> str:
    """``entries``: dicts with title, url, updated, published, summary, author (optional).

    ``lang`` (default: the page language) is the feed's ``xml:lang``: the feed's own
    texts follow it, the entries are as their village wrote them.
    """
    if lang is None:
        from app.i18n import select_locale

        lang = select_locale()
    updated = max((e["updated"] for e in entries), default=None, key=lambda d: _iso(d))
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{xml_escape(lang)}">',
        f"<title>{xml_escape(title)}</title>",
        f"<id>{xml_escape(home_url)}</id>",
        f'<link rel="self" type="application/atom+xml" href="{xml_escape(self_url)}"/>',
        f'<link rel="alternate" type="text/html" href="{xml_escape(home_url)}"/>',
        f"<updated>{_iso(updated)}</updated>",
        f"<author><name>{xml_escape(title)}</name></author>",
    ]
    # the entries are the villages' own (Indonesian) texts whatever the feed's language
    entry_open = "<entry>" if lang == "id" else '<entry xml:lang="id">'
    for e in entries:
        parts.append(
            entry_open
            + f"<title>{xml_escape(e['title'])}</title>"
            f"<id>{xml_escape(e['url'])}</id>"
            f'<link rel="alternate" type="text/html" href="{xml_escape(e["url"])}"/>'
            f"<published>{_iso(e['published'])}</published>"
            f"<updated>{_iso(e['updated'])}</updated>"
            + (f"<author><name>{xml_escape(e['author'])}</name></author>" if e.get("author") else "")
            + (f'<category term="{xml_escape(e["category"])}"/>' if e.get("category") else "")
            + f'<summary type="text">{xml_escape(e.get("summary") or "")}</summary>'
            "</entry>"
        )
    parts.append("</feed>")
    return "\n".join(parts)


def _summary(item) -> str:
    text = getattr(item, "excerpt", "") or Markup(item.body_html or "").striptags()
    return text[:300]


# Statements built once (see app.public.queries): one built per request is rewritten
# by the tenant scoping at every execution.
@built_once
def _sitemap_items(model):
    from app.models import Page

    if model is Page:
        return select(Page.slug, Page.section, Page.updated_at).where(Page.visible())
    return select(model.slug, model.updated_at).where(model.visible()).limit(5000)


@built_once
def _newest(model, limit: int):
    return select(model).where(model.visible()).order_by(model.published_at.desc()).limit(limit)


@bp.route("/sitemap.xml")
def sitemap():
    from app.models import Album, Announcement, Event, Page, Post

    entries = [(site_url(path), None) for path in SECTIONS]
    for model, prefix in ((Post, "/berita/"), (Announcement, "/pengumuman/"),
                          (Event, "/agenda/"), (Album, "/galeri/")):
        for slug, updated in db.session.execute(_sitemap_items(model)):
            entries.append((site_url(prefix + slug), updated))
    for slug, section, updated in db.session.execute(_sitemap_items(Page)):
        prefix = "/profil/" if section == "profil" else "/halaman/"
        entries.append((site_url(prefix + slug), updated))
    return _xml_response(sitemap_xml(entries), "application/xml")


def robots_txt(sitemap_url: str) -> str:
    return ("User-agent: *\n"
            "Disallow: /admin\n"
            "Disallow: /cari\n"
            "Disallow: /api/\n"
            "Allow: /\n"
            f"Sitemap: {sitemap_url}\n")


@bp.route("/robots.txt")
def robots():
    return _xml_response(robots_txt(site_url("/sitemap.xml")), "text/plain", 3600)


def village_feed_entries(limit: int = FEED_SIZE):
    from app.models import Announcement, Post

    entries = []
    for post in db.session.scalars(_newest(Post, limit)):
        entries.append(dict(title=post.title, url=site_url(f"/berita/{post.slug}"),
                            published=post.published_at, updated=post.updated_at or post.published_at,
                            summary=_summary(post), author=post.author_name,
                            category=gettext("Berita")))
    for item in db.session.scalars(_newest(Announcement, limit)):
        entries.append(dict(title=item.title, url=site_url(f"/pengumuman/{item.slug}"),
                            published=item.published_at,
                            updated=item.updated_at or item.published_at,
                            summary=_summary(item), category=gettext("Pengumuman")))
    entries.sort(key=lambda e: _iso(e["published"]), reverse=True)
    return entries[:limit]


@bp.route("/feed.xml")
def feed():
    body = atom_xml(gettext("%(village)s: Berita dan Pengumuman", village=current_tenant().display_name),
                    site_url("/feed.xml"), site_url("/"), village_feed_entries())
    return _xml_response(body, "application/atom+xml")


def init_app(app) -> None:
    app.jinja_env.globals.update(canonical_url=canonical_url, json_ld=json_ld,
                                 portal_url=portal_url,
                                 organization_ld=organization_ld, article_ld=article_ld,
                                 absolute_media_url=absolute_media_url)
    app.register_blueprint(bp)
