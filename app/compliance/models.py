"""History of compliance runs. Diskominfo data across villages: global tables."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class ComplianceRun(db.Model):
    __tablename__ = "compliance_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: "running", "finished", "failed"
    state: Mapped[str] = mapped_column(String(10), default="running")
    command: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[int] = mapped_column(Integer, default=0)
    by_verdict: Mapped[dict] = mapped_column(JSON, default=dict)
    exit_code: Mapped[int | None] = mapped_column(Integer)

    results: Mapped[list[ComplianceResult]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def percent_ok(self) -> float:
        return round(100.0 * self.ok / self.total, 1) if self.total else 0.0


class ComplianceResult(db.Model):
    __tablename__ = "compliance_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("compliance_run.id", ondelete="CASCADE"),
                                        index=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenant.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(253))
    kecamatan: Mapped[str] = mapped_column(String(120), default="")
    verdict: Mapped[str] = mapped_column(String(20), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    #: True when a failing verdict was confirmed by a re-check (flap suppression).
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # addresses, chain, timings...
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    run: Mapped[ComplianceRun] = relationship(back_populates="results")
