"""Directory of villages grouped by kecamatan, with a search box."""
from __future__ import annotations

from collections import OrderedDict

from flask import abort, current_app, request
from app.i18n import gettext
from sqlalchemy import func, select

from app.extensions import db
from app.themes import render
from tenants.models import STATUS_ACTIVE, STATUS_SUSPENDED, Domain, Tenant
from tenants.routing import public_host

from . import bp


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
    if tenant.status == STATUS_ACTIVE:
        return "live" if tenant.content_updated_at else "stale"
    return tenant.status


@bp.route("/")
def directory():
    query = request.args.get("q", "").strip()[:100]
    statement = (
        select(Tenant, Domain.hostname)
        .join(Domain, (Domain.tenant_id == Tenant.id) & Domain.is_primary)
        .order_by(Tenant.kecamatan_code, Tenant.name)
    )
    regency = current_app.config.get("PORTAL_REGENCY")
    if regency and regency != "ALL":
        statement = statement.where(Tenant.regency_code == regency)
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            func.lower(Tenant.name).like(like) | func.lower(Tenant.kecamatan_name).like(like)
        )
    groups: OrderedDict[str, list] = OrderedDict()
    total = 0
    status_labels = {key: gettext(text) for key, text in STATUS_LABELS.items()}
    for tenant, hostname in db.session.execute(statement):
        status = village_status(tenant)
        groups.setdefault(tenant.kecamatan_name, []).append({
            "tenant": tenant,
            "url": f"{request.scheme}://{public_host(hostname)}/",
            "status": status,
            "status_label": status_labels.get(status, status),
        })
        total += 1
    return render("portal/directory.html", groups=groups, query=query, total=total)


# -- aggregated news and announcements of every village ------------------------------
def _regency_filter(statement):
    regency = current_app.config.get("PORTAL_REGENCY")
    if regency and regency != "ALL":
        statement = statement.where(Tenant.regency_code == regency)
    return statement


def aggregated(model, limit: int, kecamatan: str | None = None):
    """Latest visible items of ``model`` from all live villages, newest first.

    Cross-village on purpose: runs in ``system_scope`` and joins the registry.
    Returns dicts with the item, its village and the absolute URL on the
    village's primary host.
    """
    from tenants.scoping import system_scope

    prefix = "/berita/" if model.__tablename__ == "post" else "/pengumuman/"
    statement = (
        select(model, Tenant, Domain.hostname)
        .join(Tenant, Tenant.id == model.tenant_id)
        .join(Domain, (Domain.tenant_id == Tenant.id) & Domain.is_primary)
        .where(model.visible(), Tenant.status == STATUS_ACTIVE)
        .order_by(model.published_at.desc(), model.id.desc())
        .limit(limit)
    )
    statement = _regency_filter(statement)
    if kecamatan:
        statement = statement.where(Tenant.kecamatan_name == kecamatan)
    with system_scope():
        rows = db.session.execute(statement).all()
    return [
        {"item": item, "tenant": tenant,
         "url": f"{request.scheme}://{public_host(hostname)}{prefix}{item.slug}",
         "village_url": f"{request.scheme}://{public_host(hostname)}/"}
        for item, tenant, hostname in rows
    ]


def kecamatan_names() -> list[str]:
    statement = _regency_filter(select(Tenant.kecamatan_name).distinct()
                                .order_by(Tenant.kecamatan_name))
    return list(db.session.scalars(statement))


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
