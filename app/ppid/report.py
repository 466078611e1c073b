"""The yearly public information service report (Perki 1/2018), counted in the database.

One grouped query gives each village's figures; a village's page sums its own row (the
query is scoped to it like any other), the portal sums the villages of the regency per
kecamatan (in ``system_scope``). No personal data is read."""
from __future__ import annotations

from datetime import date
from statistics import median

from sqlalchemy import case, func, select

from app.calendar.service import working_calendar
from app.extensions import db
from app.models.ppid import (REQUEST_CLOSED, REQUEST_FULFILLED, REQUEST_NOT_HELD, REQUEST_OPEN,
                             REQUEST_PARTLY, REQUEST_REJECTED, InformationRequest, Objection)

COLUMNS = ("received", "fulfilled", "partly", "rejected", "not_held", "open", "overdue",
           "late", "extended", "objections")


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def per_village(year: int, today: date) -> dict[int, dict[str, int]]:
    """``{tenant_id: {column: count}}`` for the villages that received requests in ``year``."""
    r = InformationRequest
    statement = select(
        r.tenant_id, func.count(r.id),
        _count(r.status == REQUEST_FULFILLED), _count(r.status == REQUEST_PARTLY),
        _count(r.status == REQUEST_REJECTED), _count(r.status == REQUEST_NOT_HELD),
        _count(r.status.in_(REQUEST_OPEN)),
        _count(r.status.in_(REQUEST_OPEN) & (r.due_on < today)),
        _count(r.closed_on > r.due_on),
        _count(r.extended_on.is_not(None)),
    ).where(r.year == year).group_by(r.tenant_id)
    rows = {tenant_id: {**dict(zip(COLUMNS, (int(v or 0) for v in values))), "objections": 0}
            for tenant_id, *values in db.session.execute(statement)}
    objections = select(Objection.tenant_id, func.count(Objection.id)).where(
        Objection.year == year).group_by(Objection.tenant_id)
    for tenant_id, count in db.session.execute(objections):
        rows.setdefault(tenant_id, dict.fromkeys(COLUMNS, 0))["objections"] = count
    return rows


def total(rows) -> dict[str, int]:
    summed = dict.fromkeys(COLUMNS, 0)
    for row in rows:
        for column in COLUMNS:
            summed[column] += row[column]
    return summed


def median_days(year: int, tenant_ids: set[int] | None = None) -> float | None:
    """Median working days from receipt to decision of the year's closed requests."""
    r = InformationRequest
    calendar = working_calendar()
    days = [calendar.between(received, closed) for tenant_id, received, closed in
            db.session.execute(select(r.tenant_id, r.received_on, r.closed_on).where(
                r.year == year, r.status.in_(REQUEST_CLOSED)))
            if tenant_ids is None or tenant_id in tenant_ids]
    return median(days) if days else None


def rejected_by_ground(year: int) -> list[tuple[str, int]]:
    r = InformationRequest
    return [(ground, count) for ground, count in db.session.execute(
        select(r.exemption, func.count(r.id)).where(r.year == year, r.status == REQUEST_REJECTED)
        .group_by(r.exemption).order_by(r.exemption))]
