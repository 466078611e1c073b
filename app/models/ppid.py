"""The village's public-information desk (PPID): information requests, objections,
complaints, and the dated history of each.

Personal data of the citizen (name, address, contact) lives only in the columns named
``requester_*``/``reporter_*``: it is shown to the village's PPID users and superadmins
(each view audited), never on a public page, and erased after the retention period
(``app.ppid.service.erase_expired``). Everything else of a request (its number, dates,
status, the information asked for and the answer) is the public register.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import N_

from .base import Owned


# -- information requests (UU 14/2008 Pasal 22; Perki 1/2018) --
REQUEST_NEW = "baru"  # received, not yet taken up
REQUEST_IN_PROGRESS = "diproses"
REQUEST_FULFILLED = "dipenuhi"
REQUEST_PARTLY = "dipenuhi_sebagian"
REQUEST_REJECTED = "ditolak"
REQUEST_NOT_HELD = "tidak_dikuasai"
REQUEST_OPEN = (REQUEST_NEW, REQUEST_IN_PROGRESS)
REQUEST_CLOSED = (REQUEST_FULFILLED, REQUEST_PARTLY, REQUEST_REJECTED, REQUEST_NOT_HELD)

#: How the citizen wants to obtain the information (the request form of Perki 1/2018).
OBTAIN_WAYS = ("melihat", "salinan")  # see / get a copy
COPY_FORMS = ("softcopy", "hardcopy")
DELIVERY_WAYS = ("langsung", "pos", "email", "kurir")

#: UU 14/2008 Pasal 17 a-j: grounds to refuse (exempt information).
EXEMPTIONS = {
    "a": N_("Menghambat proses penegakan hukum"),
    "b": N_("Mengganggu kepentingan perlindungan hak atas kekayaan intelektual dan "
            "perlindungan dari persaingan usaha tidak sehat"),
    "c": N_("Membahayakan pertahanan dan keamanan negara"),
    "d": N_("Mengungkapkan kekayaan alam Indonesia"),
    "e": N_("Merugikan ketahanan ekonomi nasional"),
    "f": N_("Merugikan kepentingan hubungan luar negeri"),
    "g": N_("Mengungkapkan isi akta otentik yang bersifat pribadi dan kemauan terakhir "
            "ataupun wasiat seseorang"),
    "h": N_("Mengungkap rahasia pribadi"),
    "i": N_("Memorandum atau surat-surat antar/intra badan publik yang menurut sifatnya "
            "dirahasiakan"),
    "j": N_("Informasi yang tidak boleh diungkapkan berdasarkan undang-undang"),
}

# -- objections (UU 14/2008 Pasal 35-36) --
OBJECTION_NEW = "baru"
OBJECTION_UPHELD = "dikabulkan"
OBJECTION_DISMISSED = "ditolak"
#: Pasal 35(1) a-g: the grounds of an objection.
OBJECTION_GROUNDS = {
    "a": N_("Permohonan informasi ditolak atas alasan pengecualian (Pasal 17)"),
    "b": N_("Informasi berkala (Pasal 9) tidak disediakan"),
    "c": N_("Permintaan informasi tidak ditanggapi"),
    "d": N_("Permintaan informasi ditanggapi tidak sebagaimana yang diminta"),
    "e": N_("Permintaan informasi tidak dipenuhi"),
    "f": N_("Pengenaan biaya yang tidak wajar"),
    "g": N_("Penyampaian informasi melebihi waktu yang diatur undang-undang"),
}

# -- complaints (pengaduan) --
COMPLAINT_STATES = ("diterima", "diproses", "selesai", "ditolak")
COMPLAINT_CATEGORIES = ("infrastruktur", "pelayanan", "lingkungan", "keamanan",
                        "bantuan_sosial", "lainnya")


class InformationRequest(Owned, db.Model):
    """A citizen's written request for public information."""

    __tablename__ = "info_request"
    __table_args__ = (UniqueConstraint("tenant_id", "year", "seq"),
                      UniqueConstraint("tenant_id", "token_hash"))

    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    #: e.g. ``001/PPID/35.23.01.2001/2026`` (per village, per year)
    number: Mapped[str] = mapped_column(String(60))
    #: SHA-256 of the private tracking token given to the citizen (the token itself
    #: is never stored)
    token_hash: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    extended_on: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=REQUEST_NEW, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)

    information: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    obtain: Mapped[str] = mapped_column(String(20))
    copy_form: Mapped[str] = mapped_column(String(20), default="softcopy")
    delivery: Mapped[str] = mapped_column(String(20), default="email")

    answer: Mapped[str] = mapped_column(Text, default="")
    answer_link: Mapped[str] = mapped_column(String(500), default="")
    answer_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="SET NULL"))
    exemption: Mapped[str] = mapped_column(String(1), default="")

    # personal data (UU 27/2022): never public, erased after the retention period
    requester_name: Mapped[str] = mapped_column(String(120))
    requester_address: Mapped[str] = mapped_column(Text, default="")
    requester_email: Mapped[str] = mapped_column(String(254), default="")
    requester_phone: Mapped[str] = mapped_column(String(30), default="")
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan")
    objections: Mapped[list[Objection]] = relationship(
        back_populates="request", order_by="Objection.id", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status in REQUEST_OPEN


class Objection(Owned, db.Model):
    """An objection (keberatan) to the handling of a request, answered by the atasan PPID."""

    __tablename__ = "info_objection"
    __table_args__ = (UniqueConstraint("tenant_id", "year", "seq"),)

    request_id: Mapped[int] = mapped_column(ForeignKey("info_request.id", ondelete="CASCADE"),
                                            index=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(60))
    grounds: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=OBJECTION_NEW, index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)

    request: Mapped[InformationRequest] = relationship(back_populates="objections")

    @property
    def is_open(self) -> bool:
        return self.status == OBJECTION_NEW


class RequestEvent(Owned, db.Model):
    """One dated step of a request or of its objection (shown on the tracking page)."""

    __tablename__ = "info_request_event"

    request_id: Mapped[int] = mapped_column(ForeignKey("info_request.id", ondelete="CASCADE"),
                                            index=True)
    objection_id: Mapped[int | None] = mapped_column(
        ForeignKey("info_objection.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    request: Mapped[InformationRequest] = relationship(back_populates="events")


class Complaint(Owned, db.Model):
    """A citizen's complaint (pengaduan) about a village matter."""

    __tablename__ = "complaint"
    __table_args__ = (UniqueConstraint("tenant_id", "year", "seq"),
                      UniqueConstraint("tenant_id", "token_hash"))

    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: the citizen allowed the complaint (never their name) to be shown publicly
    may_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the operator chose to show it (only possible when ``may_publish``)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    status: Mapped[str] = mapped_column(String(20), default="diterima", index=True)
    reply: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)

    reporter_name: Mapped[str] = mapped_column(String(120), default="")
    reporter_contact: Mapped[str] = mapped_column(String(254), default="")
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
