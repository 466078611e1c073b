"""Server-side records of signed-in sessions, so that ending one ends every copy.

The signed cookie alone cannot be taken back: a copy made before logout stayed
valid. Each login now adds a ``UserSession`` row keyed by the SHA-256 of a random
token kept in the cookie; a request is signed in only while that row exists, is on
the same village, has been used within the idle timeout and is younger than the
absolute lifetime. Logout deletes the row; "log out everywhere", a change of role
and a removal from the village delete the user's rows (``_end_on_membership_change``);
a password change bumps the user's auth epoch, which every other cookie then fails.

Only admin requests read the record (``app.auth.core``): public pages never open the
session, so anonymous visitors stay cookie-free and cacheable.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, event

from app.extensions import db
from app.models.base import utcnow
from app.models.users import Membership, UserSession

#: How often the last-use time is written (not at every request).
TOUCH_EVERY = timedelta(seconds=60)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config.get("SESSION_IDLE_MINUTES", 30))


def max_lifetime() -> timedelta:
    return timedelta(hours=current_app.config.get("SESSION_LIFETIME_HOURS", 12))


def start(user_id: int, tenant_id: int | None) -> str:
    """Record a new session; returns the token for the cookie. Expired rows go too."""
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.last_seen_at < now - idle_timeout()))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_key(token), user_id=user_id, tenant_id=tenant_id,
                               created_at=now, last_seen_at=now))
    return token


def check(token: str | None, user_id: int, tenant_id: int | None) -> bool:
    """True when the session is live for this user on this host; refreshes its last use."""
    if not token:
        return False
    record = db.session.get(UserSession, _key(token))
    if record is None or record.user_id != user_id or record.tenant_id != tenant_id:
        return False
    now = utcnow()
    last_seen, created = _aware(record.last_seen_at), _aware(record.created_at)
    if now - last_seen > idle_timeout() or now - created > max_lifetime():
        db.session.delete(record)
        db.session.commit()
        return False
    if now - last_seen > TOUCH_EVERY:
        record.last_seen_at = now
        db.session.commit()
    return True


def end(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.id == _key(token)))


def end_all(user_id: int, tenant_id: int | None = None, *, everywhere: bool = True) -> None:
    """End the user's sessions: all of them, or (``everywhere=False``) one village's."""
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    if not everywhere:
        stmt = stmt.where(UserSession.tenant_id == tenant_id)
    db.session.execute(stmt)


def _aware(moment):
    # SQLite gives back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


@event.listens_for(Membership, "after_update")
def _role_changed(_mapper, connection, target: Membership) -> None:
    if db.inspect(target).attrs.role.history.has_changes():
        _end_in_village(connection, target)


@event.listens_for(Membership, "after_delete")
def _removed(_mapper, connection, target: Membership) -> None:
    _end_in_village(connection, target)


def _end_in_village(connection, membership: Membership) -> None:
    """A new role or none in a village: the sessions opened there must start again."""
    table = UserSession.__table__
    connection.execute(delete(table).where(table.c.user_id == membership.user_id,
                                           table.c.tenant_id == membership.tenant_id))
