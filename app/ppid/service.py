"""What the PPID desk does, independent of pages: receive, number, date, decide, erase.

Every step of a request writes a ``RequestEvent`` in the same transaction, so the
tracking page and the register always tell the same story. Deadlines come from the
regency calendar (``app.calendar``):

* answer: 10 working days after receipt, the day of receipt not counted
  (UU 14/2008 Pasal 22(7)); extendable once by at most 7 working days with written
  reasons (Pasal 22(8));
* objection: filed within 30 working days after its ground arises (Pasal 36(1)),
  answered by the atasan PPID within 30 working days of receipt (Pasal 36(2)).

Functions take the village's code and ``today`` explicitly (the views pass the
village of the request and the date in Asia/Jakarta), so the rules are testable
on any date. The caller commits.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.calendar.service import working_calendar
from app import validation
from app.extensions import db
from app.models.ppid import (EXEMPTIONS, OBJECTION_DISMISSED, OBJECTION_GROUNDS,
                             OBJECTION_NEW, OBJECTION_UPHELD, REQUEST_CLOSED,
                             REQUEST_FULFILLED, REQUEST_IN_PROGRESS, REQUEST_NEW,
                             REQUEST_NOT_HELD, REQUEST_PARTLY, REQUEST_REJECTED, Complaint,
                             InformationRequest, Objection, RequestEvent)

log = logging.getLogger(__name__)
JAKARTA = ZoneInfo("Asia/Jakarta")
ANSWER_DAYS = 10
EXTENSION_DAYS = 7
OBJECTION_FILING_DAYS = 30
OBJECTION_ANSWER_DAYS = 30
#: UU 27/2022: personal data kept no longer than its purpose needs; the default is
#: five years after the request or complaint is closed (``PPID_RETENTION_YEARS``).
DEFAULT_RETENTION_YEARS = 5


class PPIDError(ValueError):
    """A step the law or the request's state does not allow; the message says why."""


def today_in_jakarta(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(JAKARTA).date()


def new_token() -> tuple[str, str]:
    """A private tracking token and the hash stored in its place."""
    token = secrets.token_urlsafe(24)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _numbered(model, year: int, make) -> object:
    """Insert ``make(seq)`` with the next number of ``model`` in the village's ``year``.

    Two citizens submitting at the same moment may compute the same number: the unique
    constraint (tenant, year, seq) refuses the second insert, which then takes the next
    number, inside a savepoint so nothing else of the transaction is lost."""
    for _ in range(10):
        seq = (db.session.scalar(select(func.max(model.seq)).where(model.year == year)) or 0) + 1
        row = make(seq)
        try:
            with db.session.begin_nested():
                db.session.add(row)
            return row
        except IntegrityError:
            continue
    raise PPIDError("Nomor registrasi tidak dapat dibuat; silakan coba lagi.")


def _add_working_days(start: date, days: int) -> date:
    """A deadline from the regency calendar. A deadline in a year whose holidays nobody
    has entered yet counts only weekends: it is kept (the law runs regardless) and the
    gap is logged for the superadmin, whose console shows the missing year too."""
    calendar = working_calendar()
    due = calendar.add(start, days)
    missing = calendar.years_without_days_off(start, due)
    if missing:
        log.warning("holiday calendar has no days off for %s: deadline %s counts weekends only",
                    ", ".join(map(str, missing)), due.isoformat())
    return due


def _event(request: InformationRequest, kind: str, today: date, note: str = "",
           user_id: int | None = None, objection: Objection | None = None) -> None:
    request.events.append(RequestEvent(kind=kind, on=today, note=note, user_id=user_id,
                                       objection_id=objection.id if objection else None))


@dataclass(frozen=True)
class Submitted:
    """A stored request (or complaint) and the token of its private tracking link."""

    item: object
    token: str


def submit_request(village_code: str, today: date, *, information: str, purpose: str,
                   obtain: str, copy_form: str, delivery: str, name: str, address: str,
                   email: str, phone: str) -> Submitted:
    token, hashed = new_token()
    due = _add_working_days(today, ANSWER_DAYS)

    def make(seq: int) -> InformationRequest:
        return InformationRequest(
            year=today.year, seq=seq, number=f"{seq:03d}/PPID/{village_code}/{today.year}",
            token_hash=hashed, received_on=today, due_on=due, information=information,
            purpose=purpose, obtain=obtain, copy_form=copy_form, delivery=delivery,
            requester_name=name, requester_address=address, requester_email=email,
            requester_phone=phone)

    request = _numbered(InformationRequest, today.year, make)
    _event(request, "diterima", today)
    return Submitted(request, token)


def _require_open(request: InformationRequest) -> None:
    if not request.is_open:
        raise PPIDError("Permohonan ini sudah selesai diproses.")


def accept(request: InformationRequest, today: date, user_id: int | None,
           note: str = "") -> None:
    _require_open(request)
    if request.status != REQUEST_NEW:
        raise PPIDError("Permohonan ini sudah diproses.")
    request.status = REQUEST_IN_PROGRESS
    _event(request, "diproses", today, note, user_id)


def extend(request: InformationRequest, today: date, user_id: int | None, reason: str,
           working_days: int = EXTENSION_DAYS) -> None:
    """Pasal 22(8): once, at most 7 working days, with written reasons."""
    _require_open(request)
    if request.extended_on is not None:
        raise PPIDError("Perpanjangan waktu hanya dapat diberikan satu kali.")
    if not reason.strip():
        raise PPIDError("Alasan perpanjangan wajib ditulis.")
    if not 1 <= working_days <= EXTENSION_DAYS:
        raise PPIDError(f"Perpanjangan paling lama {EXTENSION_DAYS} hari kerja.")
    if today > request.due_on:
        raise PPIDError("Batas waktu sudah lewat; perpanjangan harus diberikan sebelumnya.")
    request.extended_on = today
    request.extension_reason = reason.strip()
    request.due_on = _add_working_days(request.due_on, working_days)
    if request.status == REQUEST_NEW:
        request.status = REQUEST_IN_PROGRESS
    _event(request, "diperpanjang", today, request.extension_reason, user_id)


def decide(request: InformationRequest, today: date, user_id: int | None, outcome: str, *,
           answer: str = "", link: str = "", document_id: int | None = None,
           exemption: str = "") -> None:
    """Close the request: fulfilled (in full or in part), rejected on an exemption
    ground of Pasal 17, or not held by the village."""
    _require_open(request)
    if outcome not in REQUEST_CLOSED:
        raise PPIDError("Keputusan tidak dikenal.")
    if outcome in (REQUEST_FULFILLED, REQUEST_PARTLY) and not (answer.strip() or link
                                                               or document_id):
        raise PPIDError("Lampirkan jawaban: teks, tautan, atau dokumen.")
    if outcome == REQUEST_REJECTED and exemption not in EXEMPTIONS:
        raise PPIDError("Penolakan wajib menyebut alasan pengecualian (Pasal 17 UU 14/2008).")
    if outcome == REQUEST_PARTLY and exemption and exemption not in EXEMPTIONS:
        raise PPIDError("Alasan pengecualian tidak dikenal.")
    if outcome == REQUEST_NOT_HELD and not answer.strip():
        raise PPIDError("Jelaskan mengapa informasi tidak dikuasai (dan bila tahu, siapa "
                        "yang menguasainya).")
    if link:
        try:
            link = validation.link_url(link, label="Tautan jawaban", max_length=500)
        except validation.Invalid as exc:
            raise PPIDError(str(exc)) from None
    request.status = outcome
    request.answer = answer.strip()
    request.answer_link = link
    request.answer_document_id = document_id
    request.exemption = exemption if outcome in (REQUEST_REJECTED, REQUEST_PARTLY) else ""
    request.closed_on = today
    _event(request, outcome, today, request.answer, user_id)


def is_overdue(request: InformationRequest, today: date) -> bool:
    return request.is_open and today > request.due_on


def answered_late(request: InformationRequest) -> bool:
    return request.closed_on is not None and request.closed_on > request.due_on


def objection_window(request: InformationRequest, today: date) -> tuple[date, date] | None:
    """From when to when an objection may be filed (Pasal 36(1)): 30 working days
    after its ground arises — the decision, or, with no answer, the missed deadline."""
    if request.closed_on is not None:
        start = request.closed_on
    elif today > request.due_on:
        start = request.due_on
    else:
        return None
    return start, working_calendar().add(start, OBJECTION_FILING_DAYS)


def file_objection(request: InformationRequest, village_code: str, today: date,
                   grounds: list[str], reason: str) -> Objection:
    grounds = sorted(set(grounds))
    if not grounds or any(g not in OBJECTION_GROUNDS for g in grounds):
        raise PPIDError("Pilih satu atau lebih alasan keberatan (Pasal 35 UU 14/2008).")
    if any(o.is_open for o in request.objections):
        raise PPIDError("Keberatan atas permohonan ini sedang diproses.")
    window = objection_window(request, today)
    if window is None:
        raise PPIDError("Keberatan dapat diajukan setelah permohonan dijawab atau setelah "
                        f"batas waktunya ({request.due_on.isoformat()}) lewat.")
    if today > window[1]:
        raise PPIDError("Batas waktu pengajuan keberatan (30 hari kerja) sudah lewat "
                        f"pada {window[1].isoformat()}.")
    due = _add_working_days(today, OBJECTION_ANSWER_DAYS)

    def make(seq: int) -> Objection:
        return Objection(request_id=request.id, year=today.year, seq=seq,
                         number=f"{seq:03d}/KEBERATAN/{village_code}/{today.year}",
                         grounds=grounds, reason=reason.strip(), received_on=today, due_on=due)

    objection = _numbered(Objection, today.year, make)
    request.objections.append(objection)
    _event(request, "keberatan_diajukan", today, ", ".join(grounds), objection=objection)
    return objection


def answer_objection(objection: Objection, today: date, user_id: int | None, upheld: bool,
                     answer: str) -> None:
    """The atasan PPID's written answer (Pasal 36(2))."""
    if objection.status != OBJECTION_NEW:
        raise PPIDError("Keberatan ini sudah dijawab.")
    if not answer.strip():
        raise PPIDError("Tanggapan atasan PPID wajib ditulis.")
    objection.status = OBJECTION_UPHELD if upheld else OBJECTION_DISMISSED
    objection.answer = answer.strip()
    objection.closed_on = today
    _event(objection.request, "keberatan_dijawab", today, objection.answer, user_id, objection)


def submit_complaint(village_code: str, today: date, *, category: str, text: str,
                     may_publish: bool, name: str, contact: str, photo_id: int | None = None,
                     latitude: float | None = None, longitude: float | None = None
                     ) -> Submitted:
    token, hashed = new_token()

    def make(seq: int) -> Complaint:
        return Complaint(year=today.year, seq=seq,
                         number=f"{seq:03d}/ADUAN/{village_code}/{today.year}",
                         token_hash=hashed, category=category, text=text,
                         may_publish=may_publish, reporter_name=name, reporter_contact=contact,
                         photo_id=photo_id, latitude=latitude, longitude=longitude,
                         received_on=today)

    return Submitted(_numbered(Complaint, today.year, make), token)


def erase_expired(today: date, retention_years: int = DEFAULT_RETENTION_YEARS) -> int:
    """Erase the personal data of requests and complaints closed more than
    ``retention_years`` ago, or received that long ago and never closed (an abandoned
    case keeps nobody's data for ever). The register keeps the rest. Returns how many."""
    try:
        limit = today.replace(year=today.year - retention_years)
    except ValueError:  # 29 February
        limit = (today - timedelta(days=1)).replace(year=today.year - retention_years)
    erased_at = datetime.now(timezone.utc)
    count = 0
    r, c = InformationRequest, Complaint
    for request in db.session.scalars(select(r).where(
            or_(r.closed_on < limit, r.closed_on.is_(None) & (r.received_on < limit)),
            r.personal_data_erased_at.is_(None))):
        if any(o.is_open for o in request.objections):
            continue
        request.requester_name = "(dihapus)"
        request.requester_address = request.requester_email = request.requester_phone = ""
        request.personal_data_erased_at = erased_at
        count += 1
    for complaint in db.session.scalars(select(c).where(
            or_(c.closed_on < limit, c.closed_on.is_(None) & (c.received_on < limit)),
            c.personal_data_erased_at.is_(None))):
        complaint.reporter_name = complaint.reporter_contact = ""
        complaint.personal_data_erased_at = erased_at
        count += 1
    return count
