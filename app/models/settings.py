"""Per-village site settings (one row per village)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

from .base import FiniteNumeric, Owned, Versioned


class SiteSettings(Owned, Versioned, db.Model):
    __tablename__ = "site_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    tagline: Mapped[str] = mapped_column(String(200), default="")
    head_name: Mapped[str] = mapped_column(String(120), default="")  # Kepala Desa / Lurah
    welcome: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    whatsapp: Mapped[str] = mapped_column(String(40), default="")
    office_hours: Mapped[str] = mapped_column(String(200), default="")
    #: Network name -> URL (facebook, instagram, youtube, x, tiktok).
    social: Mapped[dict] = mapped_column(JSON, default=dict)
    latitude: Mapped[Decimal | None] = mapped_column(FiniteNumeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(FiniteNumeric(9, 6))
    primary_color: Mapped[str] = mapped_column(String(7), default="")
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    header_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))

    #: The village's information officer and the officer's superior (Perki 1/2018), chosen
    #: from the officials list; the PPID page names them.
    ppid_official_id: Mapped[int | None] = mapped_column(
        ForeignKey("official.id", ondelete="SET NULL"))
    ppid_superior_id: Mapped[int | None] = mapped_column(
        ForeignKey("official.id", ondelete="SET NULL"))

    logo = relationship("MediaFile", foreign_keys=[logo_id])
    ppid_official = relationship("Official", foreign_keys=[ppid_official_id])
    ppid_superior = relationship("Official", foreign_keys=[ppid_superior_id])
    header = relationship("MediaFile", foreign_keys=[header_id])
    #: The village's own menu entries, in their order. Read-only: entries are edited
    #: as ``MenuItem`` rows; this lets a public page load them with the settings, in
    #: the same query (``app.public.queries.site_settings``).
    menu = relationship(
        "MenuItem",
        primaryjoin="foreign(MenuItem.tenant_id) == SiteSettings.tenant_id",
        order_by="(MenuItem.position, MenuItem.id)",
        viewonly=True,
    )
