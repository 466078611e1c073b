"""Directory of villages grouped by kecamatan, with a search box."""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import NamedTuple

from flask import abort, request
from app.i18n import gettext
from sqlalchemy import bindparam, func, select

from app.extensions import db
from app.fastpaths import built_once
from app.themes import render
from tenants.models import STATUS_ACTIVE, STATUS_SUSPENDED, Domain, Tenant, display_name
from tenants.routing import links

from . import bp, portal_regency


def N_(text: str) -> str:
    """Marks an Indonesian label for the catalogue; it is translated where it is shown."""
    return text


STATUS_LABELS = {
    "live": N_("Aktif"),
    "stale": N_("Belum diperbarui"),
    STATUS_SUSPENDED: N_("Ditangguhkan"),
    "provisioned": N_("Belum tayang"),
}


def village_status(tenant: Tenant) -> str:
    return _status(tenant.status, tenant.content_updated_at)


def _status(status: str, content_updated_at) -> str:
    if status == STATUS_ACTIVE:
        return "live" if content_updated_at else "stale"
    return status


class DirectoryEntry(NamedTuple):
    """One line of the directory. A plain tuple with attributes: the directory lists
    every village of the regency, and full ORM objects (or dicts, which Jinja reads
    by a failed attribute lookup first) made the page several times slower."""

    display_name: str
    url: str
    status: str
    status_label: str
    updated_at: datetime | None


# Statements are built once per shape, with the regency, kecamatan and search text as
# parameters: a reused statement keeps its SQLAlchemy cache key.
def _in_regency(statement):
    return statement.where(Tenant.regency_code == bindparam("regency"))


@built_once
def _directory_statement(by_regency: bool, by_text: bool):
    statement = (
        select(Tenant.name, Tenant.kind, Tenant.kecamatan_name, Tenant.status,
               Tenant.content_updated_at, Domain.hostname)
        .join(Domain, (Domain.tenant_id == Tenant.id) & Domain.is_primary)
        .order_by(Tenant.kecamatan_code, Tenant.name)
    )
    if by_regency:
        statement = _in_regency(statement)
    if by_text:
        like = bindparam("like")
        statement = statement.where(
            func.lower(Tenant.name).like(like) | func.lower(Tenant.kecamatan_name).like(like))
    return statement


@bp.route("/")
def directory():
    query = request.args.get("q", "").strip()[:100]
    regency = portal_regency()
    statement = _directory_statement(regency is not None, bool(query))
    rows = db.session.execute(statement, {"regency": regency, "like": f"%{query.lower()}%"})
    groups: OrderedDict[str, list[DirectoryEntry]] = OrderedDict()
    total = 0
    status_labels = {key: gettext(text) for key, text in STATUS_LABELS.items()}
    village_url = links().village
    for name, kind, kecamatan, tenant_status, updated_at, hostname in rows:
        status = _status(tenant_status, updated_at)
        groups.setdefault(kecamatan, []).append(DirectoryEntry(
            display_name(kind, name),
            village_url(hostname),
            status,
            status_labels.get(status, status),
            updated_at,
        ))
        total += 1
    return render("portal/directory.html", groups=groups, query=query, total=total)


# -- aggregated news and announcements of every village ------------------------------
def aggregated(model, limit: int, kecamatan: str | None = None):
    """Latest visible items of ``model`` from all live villages, newest first.

    Cross-village on purpose: runs in ``system_scope`` and joins the registry.
    Returns dicts with the item, its village and the absolute URL on the
    village's primary host.
    """
    from tenants.scoping import system_scope

    prefix = "/berita/" if model.__tablename__ == "post" else "/pengumuman/"
    regency = portal_regency()
    statement = _aggregated_statement(model, limit, regency is not None, kecamatan is not None)
    with system_scope():
        rows = db.session.execute(statement, {"regency": regency, "kecamatan": kecamatan}).all()
    village_url = links().village
    return [
        {"item": item, "tenant": tenant,
         "url": village_url(hostname, f"{prefix}{item.slug}"),
         "village_url": village_url(hostname)}
        for item, tenant, hostname in rows
    ]


@built_once
def _aggregated_statement(model, limit: int, by_regency: bool, by_kecamatan: bool):
    statement = (
        select(model, Tenant, Domain.hostname)
        .join(Tenant, Tenant.id == model.tenant_id)
        .join(Domain, (Domain.tenant_id == Tenant.id) & Domain.is_primary)
        .where(model.visible(), Tenant.status == STATUS_ACTIVE)
        .order_by(model.published_at.desc(), model.id.desc())
        .limit(limit)
    )
    if by_regency:
        statement = _in_regency(statement)
    if by_kecamatan:
        statement = statement.where(Tenant.kecamatan_name == bindparam("kecamatan"))
    return statement


def kecamatan_names() -> list[str]:
    regency = portal_regency()
    return list(db.session.scalars(_kecamatan_statement(regency is not None),
                                   {"regency": regency}))


@built_once
def _kecamatan_statement(by_regency: bool):
    statement = select(Tenant.kecamatan_name).distinct().order_by(Tenant.kecamatan_name)
    return _in_regency(statement) if by_regency else statement


@bp.route("/berita")
def news():
    from app.models import Announcement, Post

    names = kecamatan_names()
    kecamatan = request.args.get("kecamatan", "").strip() or None
    if kecamatan is not None and kecamatan not in names:
        abort(400, description="Kecamatan tidak dikenal.")
    return render("portal/news.html", posts=aggregated(Post, 30, kecamatan),
                  announcements=aggregated(Announcement, 15, kecamatan),
                  kecamatans=names, kecamatan=kecamatan)


@bp.route("/feed.xml")
def feed():
    from app.models import Announcement, Post
    from app.seo import _summary, _xml_response, atom_xml, site_url

    entries = []
    for model, label in ((Post, gettext("Berita")), (Announcement, gettext("Pengumuman"))):
        for row in aggregated(model, 30):
            item, tenant = row["item"], row["tenant"]
            entries.append(dict(title=f"{item.title} ({tenant.display_name})", url=row["url"],
                                published=item.published_at,
                                updated=item.updated_at or item.published_at,
                                summary=_summary(item), author=tenant.display_name,
                                category=label))
    entries.sort(key=lambda e: e["published"].isoformat() if e["published"] else "", reverse=True)
    body = atom_xml(gettext("Portal Desa Kabupaten Tuban: berita dan pengumuman desa"),
                    site_url("/feed.xml"), site_url("/"), entries[:40])
    return _xml_response(body, "application/atom+xml")


@bp.route("/robots.txt")
def robots():
    from app.seo import _xml_response, robots_txt, site_url

    return _xml_response(robots_txt(site_url("/sitemap.xml")), "text/plain", 3600)


@bp.route("/sitemap.xml")
def sitemap():
    from app.seo import _xml_response, site_url, sitemap_xml

    return _xml_response(sitemap_xml([(site_url("/"), None), (site_url("/berita"), None)]),
                         "application/xml")
