"""The regency console's PPID pages: every village's open requests (overdue first) and
the working-day calendar that their deadlines count on."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.auth.core import audit
from app.calendar.models import KINDS, Holiday
from app.calendar.service import CalendarError, DayOff, days_off, parse_csv, store
from app.calendar.service import working_calendar
from app.extensions import db
from app.models.ppid import REQUEST_OPEN, InformationRequest
from app.permissions import permission
from app.ppid import service
from tenants.models import Tenant
from tenants.scoping import system_scope

from .superadmin import bp

CALENDAR_FILE_MAX = 256 * 1024


@bp.route("/ppid")
@permission("regency.ppid")
def ppid_overview():
    """Open requests of every village with their working days left, overdue first; no
    personal data (the register's public columns)."""
    kecamatan = (request.args.get("kecamatan") or "").strip()
    query = (select(InformationRequest.number, InformationRequest.received_on,
                    InformationRequest.due_on, InformationRequest.status,
                    InformationRequest.extended_on, Tenant.name, Tenant.kecamatan_name,
                    Tenant.slug)
             .join(Tenant, Tenant.id == InformationRequest.tenant_id)
             .where(InformationRequest.status.in_(REQUEST_OPEN))
             .order_by(InformationRequest.due_on, InformationRequest.id))
    if kecamatan:
        query = query.where(Tenant.kecamatan_name == kecamatan)
    with system_scope():
        rows = db.session.execute(query.limit(2000)).all()
        names = db.session.scalars(select(Tenant.kecamatan_name).distinct()
                                   .order_by(Tenant.kecamatan_name)).all()
    calendar, today = working_calendar(), service.today_in_jakarta()
    items = [(row, calendar.between(today, row.due_on)) for row in rows]
    return render_template("admin/sa_ppid.html", items=items, kecamatan=kecamatan,
                           kecamatan_names=names, today=today)


@bp.route("/hari-libur", methods=["GET", "POST"])
@permission("regency.calendar")
def calendar_days():
    year = request.args.get("tahun", type=int) or service.today_in_jakarta().year
    error = None
    if request.method == "POST":
        error = _change_calendar(year)
        if error is None:
            return redirect(url_for(".calendar_days", tahun=year))
    years = sorted({d.day.year for d in days_off()} | {year})
    return render_template("admin/sa_calendar.html", year=year, years=years,
                           rows=days_off(year), kinds=KINDS, error=error), (400 if error else 200)


def _change_calendar(year: int) -> str | None:
    """One change of the calendar from the form: a CSV file replacing the year, one day
    added (or renamed), or one day removed. Audited; nothing stored on an error."""
    action = request.form.get("action")
    try:
        if action == "upload":
            upload = request.files.get("file")
            data = upload.read(CALENDAR_FILE_MAX + 1) if upload else b""
            if not data or len(data) > CALENDAR_FILE_MAX:
                return "Pilih berkas CSV (paling besar 256 KB)."
            source = (request.form.get("source") or "").strip()[:300]
            written, removed = store(parse_csv(data), source, year)
            audit("calendar.replace_year", str(year), written=written, removed=removed)
        elif action == "add":
            try:
                day = date.fromisoformat(request.form.get("day", ""))
            except ValueError:
                return "Tanggal harus berbentuk YYYY-MM-DD."
            name = (request.form.get("name") or "").strip()
            kind = request.form.get("kind")
            if not name or len(name) > 200 or kind not in KINDS:
                return "Isi nama (paling panjang 200 huruf) dan pilih jenis hari libur."
            if day.year != year:
                return f"Tanggal harus di tahun {year}."
            current = [DayOff(h.day, h.name, h.kind) for h in days_off(year) if h.day != day]
            source = (request.form.get("source") or "").strip()[:300]
            store(sorted(current + [DayOff(day, name, kind)], key=lambda d: d.day),
                  source, year)
            audit("calendar.add_day", day.isoformat(), name=name, kind=kind)
        elif action == "remove":
            row = db.session.scalar(select(Holiday).where(
                Holiday.day == _date_or_none(request.form.get("day"))))
            if row is None:
                return "Tanggal itu tidak ada di kalender."
            db.session.delete(row)
            audit("calendar.remove_day", row.day.isoformat(), name=row.name)
        else:
            return "Perubahan tidak dikenal."
    except CalendarError as exc:
        db.session.rollback()
        return str(exc)
    db.session.commit()
    flash("Kalender diperbarui; batas waktu baru memakai kalender ini.")
    return None


def _date_or_none(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return None
