"""Directory of villages grouped by kecamatan, with a search box."""
from __future__ import annotations

from collections import OrderedDict

from flask import current_app, request
from sqlalchemy import func, select

from app.extensions import db
from app.themes import render
from tenants.models import STATUS_ACTIVE, STATUS_SUSPENDED, Domain, Tenant
from tenants.routing import public_host

from . import bp

STATUS_LABELS = {
    "live": "Aktif",
    "stale": "Belum diperbarui",
    STATUS_SUSPENDED: "Ditangguhkan",
    "provisioned": "Belum tayang",
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
    for tenant, hostname in db.session.execute(statement):
        status = village_status(tenant)
        groups.setdefault(tenant.kecamatan_name, []).append({
            "tenant": tenant,
            "url": f"{request.scheme}://{public_host(hostname)}/",
            "status": status,
            "status_label": STATUS_LABELS.get(status, status),
        })
        total += 1
    return render("portal/directory.html", groups=groups, query=query, total=total)
