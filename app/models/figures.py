"""Numbers a village publishes: APBDes budget lines and population statistics."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .base import FiniteNumeric, Owned

BUDGET_SECTIONS = {
    "pendapatan": "Pendapatan",
    "belanja": "Belanja",
    "pembiayaan": "Pembiayaan",
}

STAT_CATEGORIES = {
    "jenis_kelamin": "Jenis Kelamin",
    "umur": "Kelompok Umur",
    "pendidikan": "Pendidikan",
    "pekerjaan": "Pekerjaan",
}


class BudgetLine(Owned, db.Model):
    __tablename__ = "budget_line"

    year: Mapped[int] = mapped_column(Integer, index=True)
    section: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(30), default="")
    name: Mapped[str] = mapped_column(String(200))
    planned: Mapped[Decimal] = mapped_column(FiniteNumeric(16, 2, fallback=Decimal(0)),
                                             default=0)
    realised: Mapped[Decimal] = mapped_column(FiniteNumeric(16, 2, fallback=Decimal(0)),
                                              default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PopulationStat(Owned, db.Model):
    __tablename__ = "population_stat"

    year: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(120))
    value: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
