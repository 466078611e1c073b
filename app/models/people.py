"""Perangkat desa (officials), BPD and community bodies."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

from .base import Owned, Trashable

GROUPS = {
    "perangkat": "Perangkat Desa",
    "bpd": "Badan Permusyawaratan Desa (BPD)",
    "lembaga": "Lembaga Kemasyarakatan",
}


class Official(Owned, Trashable, db.Model):
    __tablename__ = "official"

    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(120))
    group: Mapped[str] = mapped_column(String(20), default="perangkat")
    position_order: Mapped[int] = mapped_column(Integer, default=0)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))

    photo = relationship("MediaFile")
