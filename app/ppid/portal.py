"""The regency-wide report of the PPID desks on the portal (public, no personal data).

Counted in the database per village and status (one grouped query, whatever the
number of villages), then summed per kecamatan in Python."""
from __future__ import annotations

from collections import OrderedDict
from statistics import median

from flask import Blueprint, abort, request
from sqlalchemy import case, func, select

from app.calendar.service import working_calendar
from app.extensions import db
from app.models.ppid import (REQUEST_CLOSED, REQUEST_FULFILLED, REQUEST_NOT_HELD, REQUEST_OPEN,
                             REQUEST_PARTLY, REQUEST_REJECTED, InformationRequest, Objection)
from app.portal import portal_regency
from app.themes import render
from tenants.models import Tenant
from tenants.scoping import system_scope

from . import service

bp = Blueprint("ppid_portal", __name__)
COLUMNS = ("received", "fulfilled", "partly", "rejected", "not_held", "open", "overdue",
           "extended", "objections")


def regency_report(year: int, regency: str | None) -> dict:
    today = service.today_in_jakarta()
    r = InformationRequest
    counts = select(
        r.tenant_id, func.count(r.id),
        *(func.sum(case((r.status == s, 1), else_=0)) for s in
          (REQUEST_FULFILLED, REQUEST_PARTLY, REQUEST_REJECTED, REQUEST_NOT_HELD)),
        func.sum(case((r.status.in_(REQUEST_OPEN), 1), else_=0)),
        func.sum(case(((r.status.in_(REQUEST_OPEN)) & (r.due_on < today), 1), else_=0)),
        func.sum(case((r.extended_on.is_not(None), 1), else_=0)),
    ).where(r.year == year).group_by(r.tenant_id)
    objections = select(Objection.tenant_id, func.count(Objection.id)).where(
        Objection.year == year).group_by(Objection.tenant_id)
    closed = select(r.received_on, r.closed_on).where(r.year == year,
                                                      r.status.in_(REQUEST_CLOSED))
    villages = select(Tenant.id, Tenant.kecamatan_name).order_by(Tenant.kecamatan_name)
    if regency:
        villages = villages.where(Tenant.regency_code == regency)
    with system_scope():
        per_village = {row[0]: list(row[1:]) for row in db.session.execute(counts)}
        per_objection = dict(db.session.execute(objections).all())
        kecamatan_of = dict(db.session.execute(villages).all())
        calendar = working_calendar()
        days = [calendar.between(a, b) for a, b in db.session.execute(closed)]
    rows: OrderedDict[str, dict] = OrderedDict()
    total = dict.fromkeys(COLUMNS, 0) | {"villages": 0, "villages_with_requests": 0}
    for tenant_id, kecamatan in kecamatan_of.items():
        row = rows.setdefault(kecamatan, dict.fromkeys(COLUMNS, 0)
                              | {"villages": 0, "villages_with_requests": 0})
        row["villages"] += 1
        total["villages"] += 1
        figures = per_village.get(tenant_id)
        if figures is None:
            continue
        row["villages_with_requests"] += 1
        total["villages_with_requests"] += 1
        values = [int(v or 0) for v in figures] + [per_objection.get(tenant_id, 0)]
        for name, value in zip(COLUMNS, values):
            row[name] += value
            total[name] += value
    return {"year": year, "rows": rows, "total": total,
            "median_days": median(days) if days else None}


@bp.route("/ppid/laporan")
def report():
    year = request.args.get("tahun", type=int) or service.today_in_jakarta().year
    if not 2000 <= year <= 2200:
        abort(404)
    return render("portal/ppid_laporan.html", report=regency_report(year, portal_regency()))
