"""The PPID desk in the village admin: the registers, each request's steps, the
objections, the complaints, and the citizen's personal data behind an audited look."""
from __future__ import annotations

import io
from datetime import date

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from app.auth.core import audit
from app.calendar.service import working_calendar
from app.extensions import db
from app.models import Document
from app.models.ppid import (EXEMPTIONS, OBJECTION_GROUNDS, REQUEST_CLOSED,
                             REQUEST_OPEN, Complaint, InformationRequest, Objection)
from app.permissions import can, permission
from app.ppid import service
from app.ppid.views import COMPLAINT_LABELS, EVENT_LABELS, STATUS_LABELS
from safe_csv import writer as csv_writer

from . import bp
from .common import load_or_404
from .forms.ppid import (ComplaintReplyForm, DecisionForm, ExtensionForm, NoteForm,
                         ObjectionAnswerForm)


def _today() -> date:
    return service.today_in_jakarta()


def open_requests() -> list[InformationRequest]:
    """The village's open requests, the nearest due date first (the admin home)."""
    return list(db.session.scalars(select(InformationRequest)
                                   .where(InformationRequest.status.in_(REQUEST_OPEN))
                                   .order_by(InformationRequest.due_on, InformationRequest.id)))


def today_and_calendar(requests: list[InformationRequest]) -> dict:
    """Working days left for each of ``requests`` (negative: overdue)."""
    if not requests:
        return {}
    calendar, today = working_calendar(), _today()
    return {r.id: calendar.between(today, r.due_on) for r in requests}


def _private(response):
    response = Response(response) if isinstance(response, str) else response
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/ppid")
@permission("ppid.view")
def ppid_register():
    status = request.args.get("status", "")
    year = request.args.get("tahun", type=int)
    query = select(InformationRequest).order_by(InformationRequest.id.desc())
    if status == "terbuka":
        query = query.where(InformationRequest.status.in_(REQUEST_OPEN))
    elif status == "selesai":
        query = query.where(InformationRequest.status.in_(REQUEST_CLOSED))
    if year:
        query = query.where(InformationRequest.year == year)
    items = db.session.scalars(query.limit(500)).all()
    objections = db.session.scalars(select(Objection).order_by(Objection.id.desc())
                                    .limit(200)).all()
    calendar, today = working_calendar(), _today()
    return render_template("admin/ppid_register.html", items=items, objections=objections,
                           labels=STATUS_LABELS, status=status, year=year, today=today,
                           days_left={r.id: calendar.between(today, r.due_on) for r in items
                                      if r.is_open})


REQUEST_COLUMNS = ("Nomor registrasi", "Tanggal permohonan", "Informasi yang diminta",
                   "Tujuan penggunaan", "Cara memperoleh", "Bentuk salinan", "Cara pengiriman",
                   "Batas waktu", "Diperpanjang pada", "Alasan perpanjangan", "Status",
                   "Tanggal keputusan", "Alasan pengecualian (Pasal 17)", "Jawaban")
PERSONAL_COLUMNS = ("Nama pemohon", "Alamat", "Surel", "Telepon")
OBJECTION_COLUMNS = ("Nomor keberatan", "Nomor permohonan", "Tanggal keberatan",
                     "Alasan (Pasal 35)", "Uraian", "Batas waktu tanggapan", "Status",
                     "Tanggal tanggapan", "Tanggapan atasan PPID")


@bp.route("/ppid/register.csv")
@permission("ppid.view")
def ppid_register_csv():
    """The registers of Perki 1/2018 as CSV; with the requester's personal data only for
    those who may see it, and that export is audited."""
    kind = request.args.get("jenis", "permohonan")
    year = request.args.get("tahun", type=int) or _today().year
    out = io.StringIO()
    writer = csv_writer(out)
    if kind == "keberatan":
        writer.writerow(OBJECTION_COLUMNS)
        for o in db.session.scalars(select(Objection).where(Objection.year == year)
                                    .order_by(Objection.seq)):
            writer.writerow(([o.number, o.request.number, o.received_on.isoformat(),
                                      " ".join(o.grounds), o.reason, o.due_on.isoformat(),
                                      o.status, o.closed_on.isoformat() if o.closed_on else "",
                                      o.answer]))
    elif kind == "permohonan":
        personal = can("ppid.personal_data")
        writer.writerow(REQUEST_COLUMNS + (PERSONAL_COLUMNS if personal else ()))
        for r in db.session.scalars(select(InformationRequest)
                                    .where(InformationRequest.year == year)
                                    .order_by(InformationRequest.seq)):
            row = [r.number, r.received_on.isoformat(), r.information, r.purpose, r.obtain,
                   r.copy_form, r.delivery, r.due_on.isoformat(),
                   r.extended_on.isoformat() if r.extended_on else "", r.extension_reason,
                   STATUS_LABELS.get(r.status, r.status),
                   r.closed_on.isoformat() if r.closed_on else "", r.exemption, r.answer]
            if personal:
                row += [r.requester_name, r.requester_address, r.requester_email,
                        r.requester_phone]
            writer.writerow((row))
        if personal:
            audit("ppid.personal_data.export", f"register {year}")
            db.session.commit()
    else:
        abort(404)
    return _private(Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="register-{kind}-{year}.csv"'}))


@bp.route("/ppid/<int:ident>")
@permission("ppid.view")
def ppid_request(ident: int):
    item = load_or_404(InformationRequest, ident)
    return _private(Response(*_request_page(item)))


def _request_page(item: InformationRequest, personal: bool = False, status: int = 200,
                  **forms) -> str:
    today = _today()
    forms.setdefault("extension", ExtensionForm())
    forms.setdefault("decision", DecisionForm())
    forms.setdefault("note", NoteForm())
    forms.setdefault("objection", ObjectionAnswerForm())
    return render_template(
        "admin/ppid_request.html", item=item, personal=personal, labels=STATUS_LABELS,
        event_labels=EVENT_LABELS, exemptions=EXEMPTIONS, grounds=OBJECTION_GROUNDS,
        overdue=service.is_overdue(item, today),
        days_left=working_calendar().between(today, item.due_on) if item.is_open else None,
        **forms), status


@bp.route("/ppid/<int:ident>/data-pemohon", methods=["POST"])
@permission("ppid.personal_data")
def ppid_personal_data(ident: int):
    """Show the requester's personal data, once, on a page that is never stored."""
    item = load_or_404(InformationRequest, ident)
    audit("ppid.personal_data.view", item.number)
    db.session.commit()
    page, status = _request_page(item, personal=True)
    return _private(Response(page, status=status))


def _step(item: InformationRequest, name: str, action, success: str):
    """Run one step of the request, audit it, tell the citizen; a step the law or the
    request's state refuses is explained and nothing is stored."""
    try:
        action()
    except service.PPIDError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".ppid_request", ident=item.id))
    audit(f"ppid.{name}", item.number)
    db.session.commit()
    from app.ppid import notify

    notify.status_changed(item)
    flash(success)
    return redirect(url_for(".ppid_request", ident=item.id))


@bp.route("/ppid/<int:ident>/proses", methods=["POST"])
@permission("ppid.process")
def ppid_accept(ident: int):
    item = load_or_404(InformationRequest, ident)
    form = NoteForm(request.form)
    if not form.validate():
        return _private(Response(*_request_page(item, status=400, note=form)))
    return _step(item, "accept", lambda: service.accept(item, _today(), g.user.id, form.note.value),
                 "Permohonan ditandai sedang diproses.")


@bp.route("/ppid/<int:ident>/perpanjang", methods=["POST"])
@permission("ppid.process")
def ppid_extend(ident: int):
    item = load_or_404(InformationRequest, ident)
    form = ExtensionForm(request.form)
    if not form.validate():
        return _private(Response(*_request_page(item, status=400, extension=form)))
    return _step(item, "extend", lambda: service.extend(item, _today(), g.user.id, form.reason.value,
                                              form.days.value),
                 "Batas waktu diperpanjang.")


@bp.route("/ppid/<int:ident>/putuskan", methods=["POST"])
@permission("ppid.process")
def ppid_decide(ident: int):
    item = load_or_404(InformationRequest, ident)
    form = DecisionForm(request.form)
    valid = form.validate()
    if valid and form.document_id.value is not None and db.session.scalar(
            select(Document.id).where(Document.id == form.document_id.value)) is None:
        form.document_id.errors = ["Dokumen dengan nomor itu tidak ada di desa ini."]
        valid = False
    if not valid:
        return _private(Response(*_request_page(item, status=400, decision=form)))
    return _step(item, "decide", lambda: service.decide(
        item, _today(), g.user.id, form.outcome.data, answer=form.answer.value,
        link=form.link.value, document_id=form.document_id.value,
        exemption=form.exemption.data or ""), "Keputusan disimpan dan tampil di halaman "
                                              "pelacakan pemohon.")


@bp.route("/ppid/keberatan/<int:ident>/jawab", methods=["POST"])
@permission("ppid.objection_answer")
def ppid_objection_answer(ident: int):
    objection = load_or_404(Objection, ident)
    item = objection.request
    form = ObjectionAnswerForm(request.form)
    if not form.validate():
        return _private(Response(*_request_page(item, status=400, objection=form)))
    return _step(item, "objection_answer", lambda: service.answer_objection(
        objection, _today(), g.user.id, form.outcome.data == "dikabulkan", form.answer.value),
        "Tanggapan atasan PPID disimpan.")


# -- complaints ------------------------------------------------------------------------
@bp.route("/pengaduan")
@permission("complaints.manage")
def complaints():
    items = db.session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(500)).all()
    return render_template("admin/complaints.html", items=items, labels=COMPLAINT_LABELS)


def _complaint_page(item: Complaint, form=None, personal: bool = False, status: int = 200):
    form = form or ComplaintReplyForm(data={"status": item.status, "reply": item.reply,
                                            "published": item.published})
    page = render_template("admin/complaint.html", item=item, form=form, personal=personal,
                           labels=COMPLAINT_LABELS)
    return _private(Response(page, status=status))


@bp.route("/pengaduan/<int:ident>", methods=["GET", "POST"])
@permission("complaints.manage")
def complaint(ident: int):
    item = load_or_404(Complaint, ident)
    if request.method == "GET":
        return _complaint_page(item)
    form = ComplaintReplyForm(request.form)
    if not form.validate():
        return _complaint_page(item, form, status=400)
    if form.published.data and not item.may_publish:
        form.published.errors = ["Pelapor tidak mengizinkan pengaduan ini ditampilkan."]
        return _complaint_page(item, form, status=400)
    changed = item.status != form.status.data
    item.status, item.reply, item.published = (form.status.data, form.reply.value,
                                                bool(form.published.data))
    item.closed_on = _today() if item.status in ("selesai", "ditolak") else None
    audit("complaint.reply", item.number, status=item.status, published=item.published)
    db.session.commit()
    if changed:
        from app.ppid import notify

        notify.complaint_changed(item)
    flash("Tanggapan disimpan.")
    return redirect(url_for(".complaint", ident=item.id))


@bp.route("/pengaduan/<int:ident>/data-pelapor", methods=["POST"])
@permission("complaints.personal_data")
def complaint_personal_data(ident: int):
    item = load_or_404(Complaint, ident)
    audit("complaint.personal_data.view", item.number)
    db.session.commit()
    return _complaint_page(item, personal=True)

