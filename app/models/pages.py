"""Pages (profil sections and free pages) and the site menu."""
from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .base import MarkdownBody, Owned, Publishable, Trashable, Versioned

#: Profil sections every village gets a slot for, in menu order.
PROFIL_SECTIONS = {
    "sejarah": "Sejarah Desa",
    "visi-misi": "Visi dan Misi",
    "geografi": "Kondisi Geografis",
    "demografi": "Kondisi Demografis",
}


class Page(Owned, Versioned, Trashable, Publishable, MarkdownBody, db.Model):
    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    #: "profil" pages appear under Profil; "halaman" pages are free pages.
    section: Mapped[str] = mapped_column(String(20), default="profil")
    position: Mapped[int] = mapped_column(Integer, default=0)


class MenuItem(Owned, db.Model):
    __tablename__ = "menu_item"

    label: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
