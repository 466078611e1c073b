"""The village's operators (memberships and roles) and one's own password."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from app.auth import invitations
from app.auth.core import audit
from app.auth.passwords import password_problem
from app.auth.tokens import make_reset_token, reset_url
from app.extensions import db
from app.models import Membership, User
from app.models.users import ROLES
from app.permissions import permission
from tenants.scoping import system_scope

from . import bp
from .common import load_or_404


@bp.route("/users", methods=["GET", "POST"])
@permission("users.manage")
def users():
    error = link = None
    if request.method == "POST":  # an invitation (app.auth.invitations): never a password
        try:
            link = invitations.invite(request.form.get("email"), request.form.get("role"), g.user)
        except invitations.InvitationError as exc:
            error = str(exc)
        else:
            flash(invitations.SENT)
            if link is None:
                return redirect(url_for(".users"))
    members = db.session.scalars(select(Membership).order_by(Membership.id)).all()
    return render_template("admin/users.html", members=members, roles=ROLES, error=error,
                           reset_link=None, invite_link=link,
                           invitations=invitations.pending()), (400 if error else 200)


@bp.route("/users/invitations/<int:ident>/revoke", methods=["POST"])
@permission("users.manage")
def invitation_revoke(ident: int):
    if not invitations.revoke(ident):
        abort(404)
    flash("Undangan dibatalkan.")
    return redirect(url_for(".users"))


@bp.route("/users/<int:ident>/role", methods=["POST"])
@permission("users.manage")
def user_role(ident: int):
    membership = load_or_404(Membership, ident)
    role = request.form.get("role")
    if role not in ROLES:
        abort(400)
    membership.role = role
    audit("user_role", membership.user.email, role=role)
    db.session.commit()
    return redirect(url_for(".users"))


@bp.route("/users/<int:ident>/remove", methods=["POST"])
@permission("users.manage")
def user_remove(ident: int):
    membership = load_or_404(Membership, ident)
    if membership.user_id == g.user.id:
        abort(400)
    audit("user_remove", membership.user.email)
    db.session.delete(membership)
    db.session.commit()
    return redirect(url_for(".users"))


def _only_here(user: User) -> bool:
    if user.is_superadmin:
        return False
    with system_scope():
        tenants = set(db.session.scalars(select(Membership.tenant_id).where(
            Membership.user_id == user.id)))
    return tenants == {g.tenant.id}


@bp.route("/users/<int:ident>/reset", methods=["POST"])
@permission("users.manage")
def user_reset(ident: int):
    """A one-time reset link, built from the village's primary domain."""
    membership = load_or_404(Membership, ident)
    if not _only_here(membership.user):
        # The password is global: a village admin must not take over an account that
        # also works in another village (or the superadmin console).
        abort(403, description="Pengguna ini juga terdaftar di desa lain; minta "
                               "Diskominfo mengatur ulang kata sandinya.")
    link = reset_url(make_reset_token(membership.user, g.tenant.id), g.tenant.primary_host)
    audit("password_reset_link", membership.user.email)
    db.session.commit()
    members = db.session.scalars(select(Membership).order_by(Membership.id)).all()
    return render_template("admin/users.html", members=members, roles=ROLES, error=None,
                           reset_link=link, reset_for=membership.user.email,
                           invitations=invitations.pending())


@bp.route("/account/password", methods=["GET", "POST"])
@permission("account.edit")
def account_password():
    """Change one's own password (bumps the auth epoch: other sessions end)."""
    error = None
    if request.method == "POST":
        if not g.user.check_password(request.form.get("current", "")):
            error = "Kata sandi saat ini salah."
        else:
            new = request.form.get("password", "")
            error = password_problem(new, g.user.email)
            if error is None and new != request.form.get("password2"):
                error = "Konfirmasi kata sandi tidak sama."
        if error is None:
            g.user.set_password(request.form["password"])
            session["epoch"] = g.user.auth_epoch
            audit("password_change", g.user.email)
            db.session.commit()
            flash("Kata sandi diperbarui.")
            return redirect(url_for(".dashboard"))
    return render_template("admin/password.html", error=error), (400 if error else 200)
