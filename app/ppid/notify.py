"""E-mail of the PPID desk (when SMTP is configured; otherwise the admin home and the
tracking page are the channel).

* the citizen: a confirmation with the private tracking link when the request or
  complaint is filed (the only moment the token exists), then a note at each change
  of status (the link itself is never sent again: it is not stored);
* the village's PPID officers (or, where none is named, its admins): each new
  request and objection, and two working days before a due date (``flask ppid remind``,
  once a day from cron).

A message that cannot be sent is logged and never undoes the citizen's filing or the
officer's step.
"""
from __future__ import annotations

import logging
from datetime import date

from flask import current_app, g
from sqlalchemy import select

from app.auth.mail import MailError, mail_configured, send_mail
from app.auth.tokens import village_url
from app.calendar.service import working_calendar
from app.extensions import db
from app.models.ppid import REQUEST_OPEN, Complaint, InformationRequest, Objection
from app.models.users import ROLE_ADMIN, ROLE_PPID, Membership, User

log = logging.getLogger(__name__)
REMIND_DAYS_BEFORE = 2


def _send(to: str, subject: str, body: str) -> bool:
    if not to or not mail_configured():
        return False
    try:
        send_mail(to, subject, body)
        return True
    except MailError as exc:
        # the error's text can carry the recipient's address (a refused recipient):
        # only its kind goes to the log
        log.warning("PPID mail could not be sent (%s)", type(exc.__cause__ or exc).__name__)
        return False


def officers(role: str = ROLE_PPID) -> list[str]:
    """E-mail addresses of the current village's PPID officers, else of its admins."""
    rows = db.session.execute(select(User.email, Membership.role).join(
        Membership, Membership.user_id == User.id).where(User.is_active.is_(True))).all()
    named = [email for email, r in rows if r == role]
    return named or [email for email, r in rows if r == ROLE_ADMIN]


def _village() -> str:
    return g.tenant.display_name


def request_received(item: InformationRequest, token: str) -> None:
    link = village_url(g.tenant.primary_host, f"/ppid/lacak/{token}")
    _send(item.requester_email, f"Permohonan informasi {item.number} diterima",
          f"Permohonan informasi Anda kepada {_village()} sudah diterima.\n\n"
          f"Nomor registrasi: {item.number}\n"
          f"Batas waktu jawaban: {item.due_on:%d-%m-%Y} (10 hari kerja)\n\n"
          f"Lacak permohonan, baca jawaban, dan ajukan keberatan lewat tautan pribadi ini:\n"
          f"{link}\n\nSimpan tautan ini dan jangan dibagikan.\n")
    admin = village_url(g.tenant.primary_host, f"/admin/ppid/{item.id}")
    for to in officers():
        _send(to, f"Permohonan informasi baru {item.number}",
              f"Permohonan informasi baru masuk ke {_village()}.\n\n"
              f"Nomor: {item.number}\nBatas waktu jawaban: {item.due_on:%d-%m-%Y}\n\n{admin}\n")


def status_changed(item: InformationRequest) -> None:
    from .views import STATUS_LABELS

    _send(item.requester_email, f"Perkembangan permohonan {item.number}",
          f"Status permohonan informasi {item.number} di {_village()} sekarang: "
          f"{STATUS_LABELS.get(item.status, item.status)}.\n"
          f"Batas waktu jawaban: {item.due_on:%d-%m-%Y}.\n\n"
          "Buka tautan pelacakan yang Anda terima saat mengajukan permohonan untuk membaca "
          "rinciannya.\n")


def objection_filed(objection: Objection) -> None:
    admin = village_url(g.tenant.primary_host, f"/admin/ppid/{objection.request_id}")
    for to in dict.fromkeys(officers(ROLE_ADMIN) + officers()):
        _send(to, f"Keberatan {objection.number} diajukan",
              f"Keberatan atas permohonan {objection.request.number} diajukan ke {_village()}."
              f"\nTanggapan atasan PPID paling lambat {objection.due_on:%d-%m-%Y}.\n\n{admin}\n")


def complaint_received(item: Complaint, token: str) -> None:
    if "@" in item.reporter_contact:
        link = village_url(g.tenant.primary_host, f"/pengaduan/lacak/{token}")
        _send(item.reporter_contact, f"Pengaduan {item.number} diterima",
              f"Pengaduan Anda kepada {_village()} sudah diterima.\n\n"
              f"Lihat tanggapan lewat tautan pribadi ini:\n{link}\n")


def complaint_changed(item: Complaint) -> None:
    if "@" in item.reporter_contact:
        _send(item.reporter_contact, f"Perkembangan pengaduan {item.number}",
              f"Status pengaduan {item.number} di {_village()} sekarang: {item.status}.\n"
              "Buka tautan pelacakan yang Anda terima untuk membaca tanggapannya.\n")


def remind(today: date) -> int:
    """For every village: mail its officers about open requests due in exactly two working
    days (run once a day). Returns how many reminders were sent."""
    from tenants.models import Domain, Tenant
    from tenants.scoping import system_scope, tenant_context

    calendar = working_calendar()
    with system_scope():
        due = [(r.tenant_id, r.id) for r in db.session.scalars(
            select(InformationRequest).where(InformationRequest.status.in_(REQUEST_OPEN),
                                             InformationRequest.due_on > today))
            if calendar.between(today, r.due_on) == REMIND_DAYS_BEFORE]
    sent = 0
    for tenant_id, request_id in due:
        with tenant_context(tenant_id):
            item = db.session.get(InformationRequest, request_id)
            with system_scope():
                host = db.session.scalar(select(Domain.hostname).where(
                    Domain.tenant_id == tenant_id, Domain.is_primary.is_(True)))
                name = db.session.scalar(select(Tenant.name).where(Tenant.id == tenant_id))
            link = village_url(host, f"/admin/ppid/{item.id}")
            for to in officers():
                sent += _send(to, f"Pengingat: permohonan {item.number} jatuh tempo "
                                  f"{item.due_on:%d-%m-%Y}",
                              f"Permohonan informasi {item.number} di Desa {name} harus "
                              f"dijawab paling lambat {item.due_on:%d-%m-%Y} (dua hari kerja "
                              f"lagi).\n\n{link}\n")
    if sent:
        current_app.logger.info("PPID reminders sent: %d", sent)
    return sent
