"""Global tables: the villages (tenants) and the hostnames that reach them.

These are not tenant-owned: they are the registry the tenant hook reads to
decide which village a request belongs to.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db

from .hosts import normalize_host

STATUS_ACTIVE = "active"
STATUS_SUSPENDED = "suspended"
STATUS_PROVISIONED = "provisioned"
STATUSES = (STATUS_ACTIVE, STATUS_SUSPENDED, STATUS_PROVISIONED)

KIND_DESA = "desa"
KIND_KELURAHAN = "kelurahan"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def display_name(kind: str, name: str) -> str:
    """How a village is named on its pages: "Desa Jlodro", "Kelurahan Latsari"."""
    return f"{'Kelurahan' if kind == KIND_KELURAHAN else 'Desa'} {name}"


def kind_from_code(code: str) -> str:
    """The fourth part of a Kemendagri village code starts with 1 (kelurahan) or 2 (desa)."""
    return KIND_KELURAHAN if code.split(".")[3].startswith("1") else KIND_DESA


class Tenant(db.Model):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)  # 35.23.01.2001
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), default=KIND_DESA)
    kecamatan_code: Mapped[str] = mapped_column(String(8), index=True)
    kecamatan_name: Mapped[str] = mapped_column(String(120))
    regency_code: Mapped[str] = mapped_column(String(5), index=True)
    regency_name: Mapped[str] = mapped_column(String(120), default="")
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=STATUS_ACTIVE)
    theme: Mapped[str] = mapped_column(String(40), default="default")
    #: When an operator last changed anything (the portal shows it).
    content_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    domains: Mapped[list[Domain]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", order_by="Domain.id"
    )

    @property
    def is_kelurahan(self) -> bool:
        return self.kind == KIND_KELURAHAN

    @property
    def display_name(self) -> str:
        return display_name(self.kind, self.name)

    @property
    def primary_domain(self) -> Domain | None:
        return next((d for d in self.domains if d.is_primary), None)

    def __repr__(self) -> str:
        return f"<Tenant {self.code} {self.slug}>"


class Domain(db.Model):
    __tablename__ = "domain"
    __table_args__ = (
        # At most one primary hostname per village.
        Index(
            "uq_domain_one_primary",
            "tenant_id",
            unique=True,
            sqlite_where=db.text("is_primary"),
            postgresql_where=db.text("is_primary"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hostname: Mapped[str] = mapped_column(String(253), unique=True)
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenant.id", ondelete="CASCADE"), index=True
    )
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="domains")

    @validates("hostname")
    def _normalise(self, _key: str, value: str) -> str:
        # Same function as the lookup, so a stored name always matches a request.
        return normalize_host(value)

    def __repr__(self) -> str:
        return f"<Domain {self.hostname}{' primary' if self.is_primary else ''}>"


#: Columns whose change alters how a host resolves (content timestamps do not).
_ROUTING_COLUMNS = ("slug", "status", "theme", "name", "code", "kind", "kecamatan_name",
                    "hostname", "tenant_id", "is_primary")


def _registry_changed(_mapper, _connection, target) -> None:
    from sqlalchemy import inspect

    state = inspect(target)
    if state.deleted or state.was_deleted or not state.has_identity or any(
        attr.key in _ROUTING_COLUMNS and attr.history.has_changes() for attr in state.attrs
    ):
        from .resolver import invalidate_after_commit

        invalidate_after_commit(target)


def _registry_inserted(_mapper, _connection, target) -> None:
    from .resolver import invalidate_after_commit

    invalidate_after_commit(target)


for _model in (Tenant, Domain):
    event.listen(_model, "after_insert", _registry_inserted)
    event.listen(_model, "after_update", _registry_changed)
    event.listen(_model, "after_delete", _registry_inserted)
