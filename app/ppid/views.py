"""The citizens' side of the PPID desk on a village site.

Two blueprints: ``ppid`` holds the pages everyone sees alike (the desk's page, the
yearly report, published complaints: cached like any public page, and without any
personal data), ``ppid_desk`` the forms and the private tracking pages, which are
never cached, never indexed and never leak their address in a Referer.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, g, make_response, redirect, request
from sqlalchemy import select

from app.calendar.service import working_calendar
from app.extensions import db
from app.i18n import N_
from app.models import Official, SiteSettings
from app.models.ppid import (EXEMPTIONS, OBJECTION_GROUNDS, REQUEST_FULFILLED,
                             REQUEST_IN_PROGRESS, REQUEST_NEW, REQUEST_NOT_HELD,
                             REQUEST_PARTLY, REQUEST_REJECTED, Complaint, InformationRequest)
from app.themes import render

from . import formguard, notify, report, service, throttle
from .forms import CATEGORY_LABELS, ComplaintForm, ObjectionForm, RequestForm

bp = Blueprint("ppid", __name__)

desk = Blueprint("ppid_desk", __name__)

STATUS_LABELS = {
    REQUEST_NEW: N_("Diterima, menunggu diproses"),
    REQUEST_IN_PROGRESS: N_("Sedang diproses"),
    REQUEST_FULFILLED: N_("Dipenuhi"),
    REQUEST_PARTLY: N_("Dipenuhi sebagian"),
    REQUEST_REJECTED: N_("Ditolak"),
    REQUEST_NOT_HELD: N_("Informasi tidak dikuasai"),
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
                                    token_field=formguard.FIELD,
                                    retention_years=current_app.config["PPID_RETENTION_YEARS"],
                                    **context), status)
    formguard.set_cookie(response, token, section)
    return _private(response)


def _refused(template: str, section: str, refusal: formguard.FormRefused, **context):
    return _form_page(template, section, 400, refusal=refusal.message, **context)


def _guard(template: str, section: str, **context):
    """The checks of every citizen POST before its fields are read: the form token, then
    the filing limits. Returns the refusal page, or None when the POST may go on."""
    try:
        formguard.check()
    except formguard.FormRefused as refusal:
        return _refused(template, section, refusal, **context)
    wait = throttle.retry_after(section.strip("/"))
    if wait:
        response = _form_page(template, section, 429, refusal=N_(
            "Terlalu banyak pengajuan dari alamat ini atau ke desa ini. Silakan coba lagi "
            "nanti."), **context)
        response.headers["Retry-After"] = str(wait)
        return response
    return None


def _filed(section: str, location: str):
    """After a stored filing: count it, forget the used form token, go to tracking."""
    throttle.record(section.strip("/"))
    response = _private(redirect(location, 303))
    response.delete_cookie(formguard.COOKIE, path=section)
    return response


def _officials(settings: SiteSettings | None) -> tuple[Official | None, Official | None]:
    """The PPID and the atasan PPID chosen in the settings; where none is chosen, the
    Sekretaris Desa and the Kepala Desa (Perki 1/2018) as listed among the officials."""
    chosen = (settings.ppid_official, settings.ppid_superior) if settings else (None, None)
    if all(chosen):
        return chosen
    found: dict[str, Official] = {}
    for official in db.session.scalars(select(Official).where(Official.group == "perangkat")
                                       .order_by(Official.position_order, Official.id)):
        position = official.position.lower()
        if "sekretaris" in position and ("desa" in position or "kelurahan" in position):
            found.setdefault("ppid", official)
        elif position.startswith(("kepala desa", "lurah", "kades")) or position in (
                "kepala desa", "lurah"):
            found.setdefault("atasan", official)
    return chosen[0] or found.get("ppid"), chosen[1] or found.get("atasan")


# -- pages everyone sees alike -----------------------------------------------
@bp.route("/ppid")
def desk_page():
    settings = db.session.scalar(select(SiteSettings))
    ppid, superior = _officials(settings)
    return render("ppid/index.html", ppid=ppid, superior=superior, settings=settings,
                  grounds=OBJECTION_GROUNDS)


def _report(year: int) -> dict:
    rows = report.per_village(year, _today())
    return {"year": year, **report.total(rows.values()),
            "rejected_by_ground": report.rejected_by_ground(year),
            "median_days": report.median_days(year)}


@bp.route("/ppid/laporan")
def report_page():
    years = [y for (y,) in db.session.execute(
        select(InformationRequest.year).distinct().order_by(InformationRequest.year.desc()))]
    year = request.args.get("tahun", type=int) or (years[0] if years else _today().year)
    if not 2000 <= year <= 2200:
        abort(404)
    return render("ppid/laporan.html", report=_report(year), years=years,
                  exemptions=EXEMPTIONS)


@bp.route("/pengaduan")
def complaints():
    # shown only when the citizen allowed it and the operator chose to
    page = db.session.scalars(select(Complaint).where(Complaint.published.is_(True),
                                                      Complaint.may_publish.is_(True))
                              .order_by(Complaint.id.desc()).limit(50)).all()
    return render("ppid/pengaduan.html", complaints=page, labels=COMPLAINT_LABELS,
                  categories=CATEGORY_LABELS)


# -- forms and private tracking --------------------------------------------------
@desk.route("/ppid/permohonan", methods=["GET", "POST"])
def request_form():
    form = RequestForm(request.form)
    if request.method == "POST":
        refused = _guard("ppid/permohonan.html", "/ppid", form=form)
        if refused is not None:
            return refused
        if form.validate():
            submitted = service.submit_request(
                g.tenant.code, _today(), information=form.information.data.strip(),
                purpose=form.purpose.data.strip(), obtain=form.obtain.data,
                copy_form=form.copy_form.data, delivery=form.delivery.data,
                name=form.name.data.strip(), address=form.address.data.strip(),
                email=(form.email.data or "").strip(), phone=(form.phone.data or "").strip())
            db.session.commit()
            notify.request_received(submitted.item, submitted.token)
            return _filed("/ppid", f"/ppid/lacak/{submitted.token}?baru=1")
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
    # the objection form sits on this page and carries the code in a hidden field: a
    # link with the code in its query string would leave it in logs and histories
    objection = ObjectionForm(data={"number": item.number, "code": token})
    return _form_page(
        "ppid/lacak.html", "/ppid", item=item, token=token, new=request.args.get("baru") == "1",
        status_label=STATUS_LABELS.get(item.status, item.status), event_labels=EVENT_LABELS,
        overdue=service.is_overdue(item, today), can_object=can_object, window=window,
        exemptions=EXEMPTIONS, grounds=OBJECTION_GROUNDS, objection=objection,
        days_left=working_calendar().between(today, item.due_on) if item.is_open else None)


@desk.route("/ppid/keberatan", methods=["GET", "POST"])
def objection_form():
    form = ObjectionForm(request.form if request.method == "POST" else None)
    if request.method == "GET":
        return _form_page("ppid/keberatan.html", "/ppid", form=form)
    refused = _guard("ppid/keberatan.html", "/ppid", form=form)
    if refused is not None:
        return refused
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
    return _filed("/ppid", f"/ppid/lacak/{form.code.data.strip()}")


@desk.route("/pengaduan/kirim", methods=["GET", "POST"])
def complaint_form():
    form = ComplaintForm(request.form)
    if request.method == "POST":
        refused = _guard("ppid/pengaduan_kirim.html", "/pengaduan", form=form)
        if refused is not None:
            return refused
        if form.validate():
            submitted = service.submit_complaint(
                g.tenant.code, _today(), category=form.category.data,
                text=form.text.data.strip(), may_publish=bool(form.may_publish.data),
                name=(form.name.data or "").strip(), contact=(form.contact.data or "").strip(),
                latitude=form.place[0] if form.place else None,
                longitude=form.place[1] if form.place else None)
            db.session.commit()
            notify.complaint_received(submitted.item, submitted.token)
            return _filed("/pengaduan", f"/pengaduan/lacak/{submitted.token}?baru=1")
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
