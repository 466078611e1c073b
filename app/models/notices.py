"""Pengumuman (announcements) and agenda (events)."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import Date, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .base import MarkdownBody, Owned, Publishable, Trashable, Versioned, live_rows_index


class Announcement(Owned, Versioned, Trashable, Publishable, MarkdownBody, db.Model):
    __tablename__ = "announcement"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        live_rows_index("ix_announcement_live_published", "tenant_id", "published_at", "id"),
        live_rows_index("ix_announcement_live_id", "tenant_id", "id"),  # the admin list
    )

    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    #: Shown as current until this date (inclusive); None = no end.
    valid_until: Mapped[date | None] = mapped_column(Date)


class Event(Owned, Versioned, Trashable, Publishable, MarkdownBody, db.Model):
    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        live_rows_index("ix_event_live_starts", "tenant_id", "starts_on", "start_time"),
    )

    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    location: Mapped[str] = mapped_column(String(200), default="")
