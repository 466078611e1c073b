"""Superadmin console on the portal (Diskominfo): villages, users, audit log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from app.auth.core import audit
from app.auth.passwords import password_problem
from app.extensions import db
from app.models import AuditLog, Membership, User
from app.models.users import ROLES
from app.permissions import enforce, permission
from tenants.models import STATUS_ACTIVE, STATUS_SUSPENDED, Tenant
from tenants.scoping import system_scope, tenant_context

from . import ids_in_range

bp = Blueprint("superadmin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")
bp.before_request(ids_in_range)
bp.before_request(enforce)  # every view declares its action (app.permissions)


@bp.route("/")
@permission("regency.villages")
def villages():
    q = (request.args.get("q") or "").strip()
    stmt = select(Tenant).order_by(Tenant.code)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Tenant.name.ilike(like), Tenant.slug.ilike(like),
                              Tenant.code.like(like)))
    rows = db.session.scalars(stmt.limit(400)).all()
    return render_template("admin/sa_villages.html", rows=rows, q=q)


@bp.route("/villages/<int:ident>/status", methods=["POST"])
@permission("regency.villages")
def village_status(ident: int):
    tenant = db.session.get(Tenant, ident)
    status = request.form.get("status")
    if tenant is None:
        abort(404)
    if status not in (STATUS_ACTIVE, STATUS_SUSPENDED):
        abort(400)
    tenant.status = status
    audit("village_status", tenant.slug, tenant_id=tenant.id, status=status)
    db.session.commit()
    flash(f"{tenant.display_name}: {status}.")
    return redirect(url_for(".villages", q=request.args.get("q", "")))


@bp.route("/users", methods=["GET", "POST"])
@permission("regency.users")
def users():
    error = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        role = request.form.get("role")
        slug = (request.form.get("village") or "").strip()
        password = request.form.get("password") or ""
        error = password_problem(password, email) if "@" in email else "Email tidak valid."
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
        if error is None and role != "superadmin" and (tenant is None or role not in ROLES):
            error = "Pilih desa dan peran yang valid."
        if error is None and db.session.scalar(select(User).where(User.email == email)):
            error = "Email sudah terdaftar."
        if error is None:
            user = User(email=email, name=request.form.get("name", "")[:120],
                        is_superadmin=role == "superadmin")
            user.set_password(password)
            db.session.add(user)
            db.session.flush()
            if role != "superadmin":
                with tenant_context(tenant.id):
                    db.session.add(Membership(user_id=user.id, role=role))
                    db.session.flush()
            audit("user_create", email, tenant_id=tenant.id if tenant else None, role=role)
            db.session.commit()
            flash("Pengguna dibuat.")
            return redirect(url_for(".users"))
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    with system_scope():
        memberships = db.session.scalars(select(Membership)).all()
        tenants = {t.id: t for t in db.session.scalars(select(Tenant).where(
            Tenant.id.in_({m.tenant_id for m in memberships})))}
    return render_template("admin/sa_users.html", rows=rows, memberships=memberships,
                           tenants=tenants, roles=ROLES, error=error), (400 if error else 200)


@bp.route("/audit")
@permission("regency.audit")
def audit_log():
    rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1000)).all()
    return render_template("admin/audit.html", rows=rows, all_villages=True)
