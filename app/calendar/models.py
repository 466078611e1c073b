"""Days off of the regency calendar: one global table (the same for every village)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow

NATIONAL_HOLIDAY = "libur_nasional"
CUTI_BERSAMA = "cuti_bersama"
KINDS = (NATIONAL_HOLIDAY, CUTI_BERSAMA)


class Holiday(db.Model):
    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    #: the decree the day comes from (e.g. "SKB 3 Menteri No. 1497/2025, 2/2025, 5/2025")
    source: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
