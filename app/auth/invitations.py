"""Invitations: the only way a village's pages give an account a role in the village.

The adding admin names an e-mail address and a role; nothing else. A single-use
link that expires goes to that address (or, when no mail server is configured, is
shown once to the admin). Whoever opens it proves to be the account's owner: an
existing account enters its own password (and TOTP code); a new account is created
only then, with the password its owner chooses. The admin never sets or learns a
password, and the answer to the admin is the same whatever the address is elsewhere
(a superadmin, a member of other villages, unknown).

Only the SHA-256 of the token is stored, with the village, the address and the
role it is bound to; the row is deleted once accepted or revoked.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models.base import utcnow
from app.models.users import ROLES, Invitation, Membership, User

from .core import audit
from .mail import MailError, mail_configured, send_mail
from .tokens import village_url

SENT = "Undangan dikirim."
MAX_AGE = timedelta(days=7)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class InvitationError(ValueError):
    """The invitation was not made; the message is for the admin (Indonesian)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(email: str, role: str, invited_by: User) -> str | None:
    """Invite ``email`` to the current village as ``role``.

    Returns the link when it must be shown to the admin (no mail server configured),
    None when it was mailed. A new invitation for the same address replaces the old
    one, whose link then stops working.
    """
    email = (email or "").strip().lower()
    if role not in ROLES or len(email) > 254 or not EMAIL_RE.match(email):
        raise InvitationError("Email atau peran tidak valid.")
    user_id = db.session.scalar(select(User.id).where(func.lower(User.email) == email))
    if user_id is not None and db.session.scalar(
            select(Membership.id).where(Membership.user_id == user_id)) is not None:
        # Membership is scoped to this village: this says nothing about elsewhere.
        raise InvitationError("Pengguna sudah menjadi anggota desa ini.")
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(Invitation).where(Invitation.email == email))
    db.session.add(Invitation(email=email, role=role, token_hash=_hash(token),
                              invited_by_id=invited_by.id, expires_at=utcnow() + MAX_AGE))
    audit("user_invite", email, role=role)
    link = village_url(g.tenant.primary_host, f"/admin/undangan/{token}")
    db.session.flush()
    if not mail_configured():
        db.session.commit()
        return link
    try:
        send_mail(email, f"Undangan pengelola situs {g.tenant.display_name}",
                  _mail_body(role, link))
    except MailError:
        db.session.rollback()
        current_app.logger.exception("invitation mail to the SMTP server failed")
        raise InvitationError("Undangan gagal dikirim: server email tidak dapat dihubungi. "
                              "Coba lagi nanti.") from None
    db.session.commit()
    return None


def _mail_body(role: str, link: str) -> str:
    days = MAX_AGE.days
    return (
        f"Anda diundang menjadi {ROLES[role]} di situs {g.tenant.display_name} "
        f"({g.tenant.primary_host}).\n\n"
        f"Untuk menerima undangan, buka tautan berikut dalam {days} hari:\n\n{link}\n\n"
        "Tautan hanya dapat dipakai sekali. Jika Anda sudah punya akun, Anda akan "
        "diminta kata sandi akun tersebut; jika belum, Anda membuat kata sandi sendiri.\n\n"
        "Jika Anda tidak mengharapkan undangan ini, abaikan saja email ini.\n"
    )


def pending() -> list[Invitation]:
    """This village's invitations, newest first (expired ones too, until revoked)."""
    return list(db.session.scalars(select(Invitation).order_by(Invitation.id.desc())))


def find(token: str) -> Invitation | None:
    """The current village's live invitation for this link's token, if any."""
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == _hash(token)))
    if invitation is None or invitation.is_expired:
        return None
    return invitation


def revoke(invitation_id: int) -> bool:
    invitation = db.session.scalar(select(Invitation).where(Invitation.id == invitation_id))
    if invitation is None:
        return False
    audit("user_invite_revoked", invitation.email)
    db.session.delete(invitation)
    db.session.commit()
    return True


def accept(invitation: Invitation, user: User) -> None:
    """Give ``user`` (whose ownership the caller has verified) the invited role."""
    if db.session.scalar(select(Membership).where(Membership.user_id == user.id)) is None:
        db.session.add(Membership(user_id=user.id, role=invitation.role))
    audit("user_invite_accepted", invitation.email, user=user, role=invitation.role)
    db.session.delete(invitation)
