"""holiday: the regency's days off (national holidays and cuti bersama), with 2026

Revision ID: lead_0007_holidays
Revises: 0006_search

The shipped decree files in ``app/calendar/data`` are loaded here, so that every
deployment computes legal deadlines from the first ``flask db upgrade``.
"""
import csv
from datetime import date, datetime, timezone
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = "lead_0007_holidays"
down_revision = "0006_search"
branch_labels = None
depends_on = None

DATA = Path(__file__).resolve().parents[2] / "app" / "calendar" / "data"
SOURCE = ("SKB Menteri Agama, Menteri Ketenagakerjaan dan Menteri PANRB "
          "No. 1497/2025, 2/2025, 5/2025")


def upgrade():
    holiday = op.create_table(
        "holiday",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.String(300), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("day", name="uq_holiday_day"),
    )
    now = datetime.now(timezone.utc)
    with open(DATA / "2026.csv", encoding="utf-8") as fh:
        rows = [dict(day=date.fromisoformat(r["tanggal"]), name=r["nama"], kind=r["jenis"],
                     source=SOURCE, updated_at=now) for r in csv.DictReader(fh)]
    op.bulk_insert(holiday, rows)


def downgrade():
    op.drop_table("holiday")
