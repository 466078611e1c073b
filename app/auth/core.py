"""Who is logged in, what they may do, and the audit trail.

The session holds ``uid``, ``tid`` (the village id it was opened on, None on
the portal), ``epoch`` (the user's auth epoch) and ``sid`` (the token of its
server-side record, ``app.auth.sessions``). A session presented on a host of
another village (or the portal) is cleared: sessions are bound to the village
server-side, not only by the host-only cookie. One whose record is gone (logout,
idle, too old, role changed) or whose epoch is stale (password changed) is cleared.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, g, request, session
from sqlalchemy import select

from app.demo import DEMO_OPERATOR_EMAIL
from app.extensions import db
from app.models.base import utcnow
from app.models.history import AuditLog
from app.models.users import Membership, User

from . import sessions

log = logging.getLogger(__name__)


def _site_tenant_id() -> int | None:
    tenant = g.get("tenant")
    return tenant.id if tenant is not None else None


def login_user(user: User) -> None:
    """Open a session (the caller commits, which stores its server-side record)."""
    session.clear()
    session["sid"] = sessions.start(user.id, _site_tenant_id())
    session["uid"] = user.id
    session["tid"] = _site_tenant_id()
    session["epoch"] = user.auth_epoch or 0
    session.permanent = False
    user.last_login_at = utcnow()


def logout_user() -> None:
    """End this session for every copy of its cookie (the caller commits)."""
    sessions.end(session.get("sid"))
    session.clear()


def _load_user_for_admin() -> None:
    if request.path.startswith("/admin"):
        load_user()
    # Public pages never touch the session here (keeps them cacheable); a public
    # view that needs to know (theme preview) calls ``load_user()`` itself.


def load_user() -> None:
    """Set g.user and g.role for this host's village (None when anonymous)."""
    g.user = None
    g.role = None
    uid = session.get("uid")
    if uid is None:
        return
    if session.get("tid") != _site_tenant_id():
        # Replayed on another village's host (or portal <-> village): refuse.
        session.clear()
        return
    user = db.session.get(User, uid)
    tid = _site_tenant_id()
    if user is None or not may_sign_in(user) or session.get("epoch") != (user.auth_epoch or 0) \
            or not sessions.check(session.get("sid"), uid, tid):
        session.clear()
        return
    if tid is None:
        if not user.is_superadmin:
            session.clear()
            return
        g.user, g.role = user, "superadmin"
        return
    if user.is_superadmin:
        g.user, g.role = user, "superadmin"
        return
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    if membership is None:
        session.clear()
        return
    g.user, g.role = user, membership.role


def may_sign_in(user: User) -> bool:
    """Whether this account may have a session at all (before any password check)."""
    if not user.is_active:
        return False
    if user.email == DEMO_OPERATOR_EMAIL and current_app.config.get("DESA_ENV") == "production":
        # Its password is printed in the README: a database made in development and
        # then served in production must not keep that door open.
        log.warning("the demo operator %s is refused in production: remove it or give its "
                    "e-mail to a real person with `flask users create`", user.email)
        return False
    return True


def role_for(user: User) -> str | None:
    """The user's role in the current village (scoped query)."""
    if user.is_superadmin:
        return "superadmin"
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    return membership.role if membership else None


def login_endpoint() -> str:
    """The login page of this host: the village's, or the regency console's."""
    return "auth.login" if g.get("tenant") is not None else "portal_auth.login"


def safe_next(target: str | None, default: str) -> str:
    """Only same-host relative paths (``/admin/...``); never ``//evil`` or ``http:``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


def client_ip() -> str:
    return request.remote_addr or "-"


def audit(action: str, target: str = "", tenant_id: int | None = -1, user: User | None = None,
          actor: str | None = None, **detail) -> None:
    """Add an audit row to the session (committed with the caller's work)."""
    user = user if user is not None else g.get("user")
    db.session.add(AuditLog(
        tenant_id=_site_tenant_id() if tenant_id == -1 else tenant_id,
        user_id=user.id if user is not None else None,
        actor=actor if actor is not None else (user.email if user is not None else ""),
        action=action, target=target[:200], detail=detail, ip=client_ip(),
    ))


def touch_content() -> None:
    """Mark the village's content as changed, in the caller's transaction.

    Through the Tenant object, not a bulk UPDATE: the registry listeners then see
    that only ``content_updated_at`` changed, which is no registry change, so a save
    leaves the host caches and other villages' pages alone (a bulk UPDATE of the
    tenant table counts as a registry change)."""
    from tenants.models import Tenant

    tid = _site_tenant_id()
    if tid is not None:
        tenant = db.session.get(Tenant, tid)
        if tenant is not None:
            tenant.content_updated_at = utcnow()


def init_app(app) -> None:
    app.before_request(_load_user_for_admin)

    @app.context_processor
    def _auth_context():
        return {"current_user": g.get("user"), "current_role": g.get("role")}
