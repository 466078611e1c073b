"""The regency-wide report of the PPID desks on the portal (public, no personal data).

Counted in the database per village and status (one grouped query, whatever the
number of villages), then summed per kecamatan in Python."""
from __future__ import annotations

from collections import OrderedDict

from flask import Blueprint, abort, request
from sqlalchemy import select

from app.extensions import db
from app.portal import portal_regency
from app.themes import render
from tenants.models import Tenant
from tenants.scoping import system_scope

from . import report, service

bp = Blueprint("ppid_portal", __name__)


def regency_report(year: int, regency: str | None) -> dict:
    villages = select(Tenant.id, Tenant.kecamatan_name).order_by(Tenant.kecamatan_name)
    if regency:
        villages = villages.where(Tenant.regency_code == regency)
    with system_scope():
        kecamatan_of = dict(db.session.execute(villages).all())
        per_village = report.per_village(year, service.today_in_jakarta())
        median_days = report.median_days(year, set(kecamatan_of))
    rows: OrderedDict[str, dict] = OrderedDict()
    for tenant_id, kecamatan in kecamatan_of.items():
        row = rows.setdefault(kecamatan, {"villages": 0, "villages_with_requests": 0,
                                          "figures": []})
        row["villages"] += 1
        if tenant_id in per_village:
            row["villages_with_requests"] += 1
            row["figures"].append(per_village[tenant_id])
    for row in rows.values():
        row.update(report.total(row.pop("figures")))
    summary = report.total(rows.values())
    summary["villages"] = sum(row["villages"] for row in rows.values())
    summary["villages_with_requests"] = sum(row["villages_with_requests"]
                                            for row in rows.values())
    return {"year": year, "rows": rows, "total": summary, "median_days": median_days}


@bp.route("/ppid/laporan")
def report_page():
    year = request.args.get("tahun", type=int) or service.today_in_jakarta().year
    if not 2000 <= year <= 2200:
        abort(404)
    return render("portal/ppid_laporan.html", report=regency_report(year, portal_regency()))
