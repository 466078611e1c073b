"""Operators: global users and their per-village memberships (roles)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from tenants.scoping import TenantScoped

from .base import utcnow

ROLE_ADMIN = "admin"          # admin desa: content, settings, users of the village
ROLE_REDAKSI = "redaksi"      # editor: may publish
ROLE_KONTRIBUTOR = "kontributor"  # drafts only
ROLE_PPID = "ppid"            # petugas PPID: information requests and complaints
ROLES = {
    ROLE_ADMIN: "Admin Desa",
    ROLE_REDAKSI: "Redaksi",
    ROLE_KONTRIBUTOR: "Kontributor",
    ROLE_PPID: "Petugas PPID",
}


class User(db.Model):
    """Global table (not tenant-owned): one person, possibly in several villages."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    is_superadmin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The time step of the last TOTP code accepted: a code works once (``app.auth.totp``).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    #: Hashes of unused recovery codes.
    recovery_codes: Mapped[list] = mapped_column(JSON, default=list)
    #: Bumped on password change / reset: invalidates reset links and sessions.
    auth_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user",
                                                         cascade="all, delete-orphan")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.auth_epoch = (self.auth_epoch or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def totp_enabled(self) -> bool:
        return bool(self.totp_secret)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserSession(db.Model):
    """One signed-in session on one host (``app.auth.sessions``); global like ``User``.

    The cookie carries a random token; only its SHA-256 is the key here. Deleting
    the row ends the session for every copy of the cookie.
    """

    __tablename__ = "user_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    #: The village it was opened on; None on the portal (superadmin console).
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"),
                                                  index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                   index=True)


class Membership(TenantScoped, db.Model):
    """A user's role in one village (tenant-owned: scoped like content)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    role: Mapped[str] = mapped_column(String(20), default=ROLE_KONTRIBUTOR)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")


class Invitation(TenantScoped, db.Model):
    """A pending invitation to join one village with one role (``app.auth.invitations``).

    Only the SHA-256 of the link's token is stored; the row is deleted when the
    invitation is accepted or revoked, so a link works once.
    """

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),
                      UniqueConstraint("tenant_id", "token_hash"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64))
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    invited_by: Mapped[User | None] = relationship()

    @property
    def is_expired(self) -> bool:
        expires = self.expires_at
        if expires.tzinfo is None:  # SQLite gives back naive datetimes; all are UTC
            expires = expires.replace(tzinfo=timezone.utc)
        return expires <= utcnow()
