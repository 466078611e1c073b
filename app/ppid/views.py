"""The citizens' side of the PPID desk on a village site.

Two blueprints: ``ppid`` holds the pages everyone sees alike (the desk's page, the
yearly report, published complaints: cached like any public page, and without any
personal data), ``ppid_desk`` the forms and the private tracking pages, which are
never cached, never indexed and never leak their address in a Referer.
"""
from __future__ import annotations

from datetime import date
from statistics import median

from flask import Blueprint, abort, g, make_response, redirect, request
from sqlalchemy import func, select

from app.calendar.service import working_calendar
from app.extensions import db
from app.models import Official, SiteSettings
from app.models.ppid import (EXEMPTIONS, OBJECTION_GROUNDS, REQUEST_CLOSED, REQUEST_FULFILLED,
                             REQUEST_NOT_HELD, REQUEST_OPEN, REQUEST_PARTLY, REQUEST_REJECTED,
                             Complaint, InformationRequest, Objection)
from app.themes import render

from . import formguard, notify, service
from .forms import CATEGORY_LABELS, ComplaintForm, ObjectionForm, RequestForm

bp = Blueprint("ppid", __name__)


def N_(text: str) -> str:
    """Marks a label for the English catalogue; templates translate it where shown."""
    return text

desk = Blueprint("ppid_desk", __name__)

STATUS_LABELS = {
    "baru": N_("Diterima, menunggu diproses"),
    "diproses": N_("Sedang diproses"),
    "dipenuhi": N_("Dipenuhi"),
    "dipenuhi_sebagian": N_("Dipenuhi sebagian"),
    "ditolak": N_("Ditolak"),
    "tidak_dikuasai": N_("Informasi tidak dikuasai"),
}
EVENT_LABELS = {
    "diterima": N_("Permohonan diterima"),
    "diproses": N_("Permohonan diproses"),
    "diperpanjang": N_("Waktu jawaban diperpanjang"),
    "dipenuhi": N_("Permohonan dipenuhi"),
    "dipenuhi_sebagian": N_("Permohonan dipenuhi sebagian"),
    "ditolak": N_("Permohonan ditolak"),
    "tidak_dikuasai": N_("Informasi tidak dikuasai"),
    "keberatan_diajukan": N_("Keberatan diajukan"),
    "keberatan_dijawab": N_("Keberatan dijawab atasan PPID"),
}
COMPLAINT_LABELS = {"diterima": N_("Diterima"), "diproses": N_("Diproses"), "selesai": N_("Selesai"),
                    "ditolak": N_("Ditolak")}


@bp.app_template_global()
def citizen_field_attrs(field, hint, rows=None) -> dict:
    """The accessibility and limit attributes of one form control: its hint and error
    (``aria-describedby``), ``aria-invalid``, and ``maxlength`` from its validator."""
    attrs: dict = {}
    described = " ".join(part for part, present in ((f"{field.id}-hint", hint),
                                                     (f"{field.id}-err", field.errors)) if present)
    if described:
        attrs["aria-describedby"] = described
    if field.errors:
        attrs["aria-invalid"] = "true"
    if rows:
        attrs["rows"] = rows
    for validator in field.validators:
        if getattr(validator, "max", -1) > 0 and field.type in ("StringField", "TextAreaField"):
            attrs["maxlength"] = validator.max
    return attrs


def _today() -> date:
    return service.today_in_jakarta()


def _private(response):
    """A page whose address is a secret (a tracking token) or that holds a form token."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _form_page(template: str, section: str, status: int = 200, **context):
    token = formguard.issue()
    response = make_response(render(template, form_token=token, honeypot=formguard.HONEYPOT,
                                    token_field=formguard.FIELD, **context), status)
    formguard.set_cookie(response, token, section)
    return _private(response)


def _refused(template: str, section: str, refusal: formguard.FormRefused, **context):
    return _form_page(template, section, 400, refusal=refusal.message, **context)


def _officials() -> tuple[Official | None, Official | None]:
    """The PPID (the Sekretaris Desa, Perki 1/2018) and the atasan PPID (the Kepala Desa)
    as listed among the village officials."""
    found: dict[str, Official] = {}
    for official in db.session.scalars(select(Official).where(Official.group == "perangkat")
                                       .order_by(Official.position_order, Official.id)):
        position = official.position.lower()
        if "sekretaris" in position and ("desa" in position or "kelurahan" in position):
            found.setdefault("ppid", official)
        elif position.startswith(("kepala desa", "lurah", "kades")) or position in (
                "kepala desa", "lurah"):
            found.setdefault("atasan", official)
    return found.get("ppid"), found.get("atasan")


# -- pages everyone sees alike -----------------------------------------------
@bp.route("/ppid")
def desk_page():
    ppid, superior = _officials()
    settings = db.session.scalar(select(SiteSettings))
    return render("ppid/index.html", ppid=ppid, superior=superior, settings=settings,
                  grounds=OBJECTION_GROUNDS)


def _report(year: int) -> dict:
    requests = list(db.session.scalars(select(InformationRequest)
                                       .where(InformationRequest.year == year)))
    calendar = working_calendar()
    closed = [r for r in requests if r.status in REQUEST_CLOSED]
    days = [calendar.between(r.received_on, r.closed_on) for r in closed]
    rejected_by_ground: dict[str, int] = {}
    for r in requests:
        if r.status == REQUEST_REJECTED:
            rejected_by_ground[r.exemption] = rejected_by_ground.get(r.exemption, 0) + 1
    objections = db.session.scalar(select(func.count(Objection.id))
                                   .where(Objection.year == year)) or 0
    today = _today()
    return {
        "year": year,
        "received": len(requests),
        "fulfilled": sum(r.status == REQUEST_FULFILLED for r in requests),
        "partly": sum(r.status == REQUEST_PARTLY for r in requests),
        "rejected": sum(r.status == REQUEST_REJECTED for r in requests),
        "rejected_by_ground": sorted(rejected_by_ground.items()),
        "not_held": sum(r.status == REQUEST_NOT_HELD for r in requests),
        "open": sum(r.status in REQUEST_OPEN for r in requests),
        "overdue": sum(service.is_overdue(r, today) for r in requests),
        "late": sum(service.answered_late(r) for r in requests),
        "extended": sum(r.extended_on is not None for r in requests),
        "objections": objections,
        "median_days": median(days) if days else None,
    }


@bp.route("/ppid/laporan")
def report():
    years = [y for (y,) in db.session.execute(
        select(InformationRequest.year).distinct().order_by(InformationRequest.year.desc()))]
    year = request.args.get("tahun", type=int) or (years[0] if years else _today().year)
    if not 2000 <= year <= 2200:
        abort(404)
    return render("ppid/laporan.html", report=_report(year), years=years,
                  exemptions=EXEMPTIONS)


@bp.route("/pengaduan")
def complaints():
    page = db.session.scalars(select(Complaint).where(Complaint.published.is_(True))
                              .order_by(Complaint.id.desc()).limit(50)).all()
    return render("ppid/pengaduan.html", complaints=page, labels=COMPLAINT_LABELS,
                  categories=CATEGORY_LABELS)


# -- forms and private tracking --------------------------------------------------
@desk.route("/ppid/permohonan", methods=["GET", "POST"])
def request_form():
    form = RequestForm(request.form)
    if request.method == "POST":
        try:
            formguard.check()
        except formguard.FormRefused as refusal:
            return _refused("ppid/permohonan.html", "/ppid", refusal, form=form)
        if form.validate():
            submitted = service.submit_request(
                g.tenant.code, _today(), information=form.information.data.strip(),
                purpose=form.purpose.data.strip(), obtain=form.obtain.data,
                copy_form=form.copy_form.data, delivery=form.delivery.data,
                name=form.name.data.strip(), address=form.address.data.strip(),
                email=(form.email.data or "").strip(), phone=(form.phone.data or "").strip())
            db.session.commit()
            notify.request_received(submitted.item, submitted.token)
            return _private(redirect(f"/ppid/lacak/{submitted.token}?baru=1", 303))
        return _form_page("ppid/permohonan.html", "/ppid", 400, form=form)
    return _form_page("ppid/permohonan.html", "/ppid", form=form)


def _request_by_token(token: str) -> InformationRequest:
    if not 16 <= len(token) <= 64:
        abort(404)
    found = db.session.scalar(select(InformationRequest).where(
        InformationRequest.token_hash == service.token_hash(token)))
    if found is None:
        abort(404)
    return found


@desk.route("/ppid/lacak/<token>")
def track(token: str):
    item = _request_by_token(token)
    today = _today()
    window = service.objection_window(item, today)
    can_object = (window is not None and today <= window[1]
                  and not any(o.is_open for o in item.objections))
    return _private(make_response(render(
        "ppid/lacak.html", item=item, token=token, new=request.args.get("baru") == "1",
        status_label=STATUS_LABELS.get(item.status, item.status), event_labels=EVENT_LABELS,
        overdue=service.is_overdue(item, today), can_object=can_object, window=window,
        exemptions=EXEMPTIONS, grounds=OBJECTION_GROUNDS,
        days_left=working_calendar().between(today, item.due_on) if item.is_open else None)))


@desk.route("/ppid/keberatan", methods=["GET", "POST"])
def objection_form():
    form = ObjectionForm(request.form if request.method == "POST" else request.args)
    if request.method == "GET":
        return _form_page("ppid/keberatan.html", "/ppid", form=form)
    try:
        formguard.check()
    except formguard.FormRefused as refusal:
        return _refused("ppid/keberatan.html", "/ppid", refusal, form=form)
    if not form.validate():
        return _form_page("ppid/keberatan.html", "/ppid", 400, form=form)
    item = db.session.scalar(select(InformationRequest).where(
        InformationRequest.number == form.number.data.strip(),
        InformationRequest.token_hash == service.token_hash(form.code.data.strip())))
    if item is None:
        return _form_page("ppid/keberatan.html", "/ppid", 400, form=form,
                          refusal=N_("Nomor registrasi dan kode pelacakan tidak cocok "
                                     "dengan permohonan di desa ini."))
    try:
        objection = service.file_objection(item, g.tenant.code, _today(), form.grounds.data,
                                           form.reason.data or "")
    except service.PPIDError as exc:
        db.session.rollback()
        return _form_page("ppid/keberatan.html", "/ppid", 400, form=form, refusal=str(exc))
    db.session.commit()
    notify.objection_filed(objection)
    return _private(redirect(f"/ppid/lacak/{form.code.data.strip()}", 303))


@desk.route("/pengaduan/kirim", methods=["GET", "POST"])
def complaint_form():
    form = ComplaintForm(request.form)
    if request.method == "POST":
        try:
            formguard.check()
        except formguard.FormRefused as refusal:
            return _refused("ppid/pengaduan_kirim.html", "/pengaduan", refusal, form=form)
        if form.validate():
            submitted = service.submit_complaint(
                g.tenant.code, _today(), category=form.category.data,
                text=form.text.data.strip(), may_publish=bool(form.may_publish.data),
                name=(form.name.data or "").strip(), contact=(form.contact.data or "").strip(),
                latitude=form.latitude.data, longitude=form.longitude.data)
            db.session.commit()
            notify.complaint_received(submitted.item, submitted.token)
            return _private(redirect(f"/pengaduan/lacak/{submitted.token}?baru=1", 303))
        return _form_page("ppid/pengaduan_kirim.html", "/pengaduan", 400, form=form)
    return _form_page("ppid/pengaduan_kirim.html", "/pengaduan", form=form)


@desk.route("/pengaduan/lacak/<token>")
def complaint_track(token: str):
    if not 16 <= len(token) <= 64:
        abort(404)
    item = db.session.scalar(select(Complaint).where(
        Complaint.token_hash == service.token_hash(token)))
    if item is None:
        abort(404)
    return _private(make_response(render(
        "ppid/pengaduan_lacak.html", item=item, token=token, new=request.args.get("baru") == "1",
        labels=COMPLAINT_LABELS, categories=CATEGORY_LABELS)))


def init_app(app) -> None:
    from app.extensions import csrf

    from .cli import ppid_cli

    app.cli.add_command(ppid_cli)

    csrf.exempt(desk)  # protected by formguard instead (see its docstring)
    app.register_blueprint(bp)
    app.register_blueprint(desk)
    from .portal import bp as portal_bp

    app.register_portal_blueprint(portal_bp)
