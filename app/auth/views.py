"""Login, logout, TOTP (verify + enrolment), password reset.

The same blueprint is registered twice: on village hosts (``auth``) and on the
portal (``portal_auth``, superadmins only).
"""
from __future__ import annotations

import secrets

import pyotp
from flask import (
    Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.users import ROLES, User

from . import invitations, ratelimit, sessions
from . import totp as totp_codes
from .core import (
    audit, client_ip, load_user, login_user, logout_user, may_sign_in, role_for, safe_next,
)
from .passwords import password_problem
from .tokens import check_reset_token

bp = Blueprint("auth", __name__, url_prefix="/admin", template_folder="../admin/templates")

FAILED = "Email atau kata sandi salah."


def _home() -> str:
    return url_for("admin.dashboard") if g.get("tenant") is not None else url_for(
        "superadmin.villages")


def _finish_login(user: User):
    login_user(user)
    ratelimit.record_success(user.email, client_ip())
    audit("login", user.email, user=user)
    db.session.commit()
    return redirect(safe_next(session.pop("next", None) or request.args.get("next"), _home()))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    status = 200
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        password = request.form.get("password") or ""
        wait = ratelimit.retry_after(email, client_ip())
        if wait:
            audit("login_limited", email, user=None, actor=email)
            db.session.commit()
            return _too_many("admin/login.html", wait)
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        ok = user is not None and may_sign_in(user) and user.check_password(password)
        if ok and g.get("tenant") is None and not user.is_superadmin:
            ok = False
        if ok and g.get("tenant") is not None and role_for(user) is None:
            ok = False  # not a member of this village: same answer as a wrong password
        if not ok:
            if user is None:
                check_password_hash(_DUMMY_HASH, password)  # same timing either way
            ratelimit.record_failure(email, client_ip())
            audit("login_failed", email, user=None, actor=email)
            db.session.commit()
            error, status = FAILED, 401
        else:
            nxt = safe_next(request.args.get("next"), "")
            session.clear()
            if nxt:
                session["next"] = nxt
            if user.totp_enabled:
                session["pending_uid"] = user.id
                session["pending_tid"] = g.tenant.id if g.get("tenant") else None
                return redirect(url_for(".totp"))
            if user.is_superadmin:
                # TOTP is mandatory for superadmins: enrol before the session opens.
                session["pending_uid"] = user.id
                session["pending_tid"] = g.tenant.id if g.get("tenant") else None
                return redirect(url_for(".totp_setup"))
            return _finish_login(user)
    return render_template("admin/login.html", error=error), status


_DUMMY_HASH = generate_password_hash("dummy-password-for-timing")


def _too_many(template: str, wait: int):
    response = current_app.make_response(
        (render_template(template, error=ratelimit.message(wait)), 429))
    response.headers["Retry-After"] = str(wait)
    return response


def _pending_user() -> User | None:
    uid = session.get("pending_uid")
    if uid is None or session.get("pending_tid") != (g.tenant.id if g.get("tenant") else None):
        return None
    return db.session.get(User, uid)


def _check_recovery(user: User, code: str) -> bool:
    code = code.replace("-", "").replace(" ", "").lower()
    for stored in list(user.recovery_codes or []):
        if check_password_hash(stored, code):
            user.recovery_codes = [c for c in user.recovery_codes if c != stored]
            return True
    return False


@bp.route("/login/totp", methods=["GET", "POST"])
def totp():
    user = _pending_user()
    if user is None or not user.totp_enabled:
        return redirect(url_for(".login"))
    error = None
    if request.method == "POST":
        wait = ratelimit.retry_after(user.email, client_ip())
        if wait:
            return _too_many("admin/totp.html", wait)
        code = (request.form.get("code") or "").strip()
        if totp_codes.accept_code(user, code) or (len(code) > 6 and _check_recovery(user, code)):
            return _finish_login(user)
        ratelimit.record_failure(user.email, client_ip())
        audit("login_failed", user.email, user=user, reason="totp")
        db.session.commit()
        error = "Kode tidak valid."
    return render_template("admin/totp.html", error=error)


def new_recovery_codes(user: User) -> list[str]:
    codes = [secrets.token_hex(5) for _ in range(10)]
    user.recovery_codes = [generate_password_hash(c) for c in codes]
    return codes


@bp.route("/totp/setup", methods=["GET", "POST"])
def totp_setup():
    """Enrol TOTP: forced for superadmins at first login, optional for others."""
    load_user()
    user = g.get("user") or _pending_user()
    if user is None:
        return redirect(url_for(".login"))
    if g.get("user") is None and user.totp_enabled:
        # Half logged in (password only): never let that replace an existing TOTP.
        return redirect(url_for(".totp"))
    secret = session.get("totp_new") or pyotp.random_base32()
    session["totp_new"] = secret
    error = None
    if request.method == "POST":
        step = totp_codes.matching_step(secret, request.form.get("code") or "")
        if step is not None:
            user.totp_secret = secret
            user.totp_last_step = step  # the enrolment code cannot sign in afterwards
            codes = new_recovery_codes(user)
            session.pop("totp_new", None)
            audit("totp_enabled", user.email, user=user)
            if g.get("user") is None:
                nxt = session.get("next")
                login_user(user)
                if nxt:
                    session["next"] = nxt
            db.session.commit()
            return render_template("admin/recovery_codes.html", codes=codes, home=_home())
        error = "Kode tidak valid, coba lagi."
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Desa Tuban")
    return render_template("admin/totp_setup.html", secret=secret, uri=uri, error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    if g.get("user") is not None:
        audit("logout", g.user.email)
    logout_user()
    db.session.commit()
    return redirect(url_for(".login"))


@bp.route("/logout/everywhere", methods=["POST"])
def logout_everywhere():
    """End every session of this account, in every village and the console."""
    if g.get("user") is not None:
        sessions.end_all(g.user.id)
        audit("logout_everywhere", g.user.email)
        flash("Anda telah keluar dari semua perangkat.")
    logout_user()
    db.session.commit()
    return redirect(url_for(".login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    user = check_reset_token(token, g.tenant.id if g.get("tenant") else None)
    if user is None:
        abort(404)
    error = None
    if request.method == "POST":
        password = request.form.get("password") or ""
        error = password_problem(password, user.email)
        if error is None and password != request.form.get("password2"):
            error = "Konfirmasi kata sandi tidak sama."
        if error is None:
            user.set_password(password)  # bumps the epoch: the link is now used up
            audit("password_reset_used", user.email, user=user)
            db.session.commit()
            flash("Kata sandi diperbarui. Silakan masuk.")
            return redirect(url_for(".login"))
    return render_template("admin/reset.html", error=error), (400 if error else 200)


@bp.route("/undangan/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Accept an invitation: the account's owner proves it, or a new owner sets a password."""
    if g.get("tenant") is None:
        abort(404)
    invite = invitations.find(token)
    if invite is None:
        return render_template("admin/invitation.html", gone=True), 404
    user = db.session.scalar(select(User).where(func.lower(User.email) == invite.email))
    error, status = None, 200
    if request.method == "POST":
        if user is None:
            user, error = _create_invited_account(invite)
            status = 400
        else:
            error, status = _verify_owner(user)
        if error is None:
            invitations.accept(invite, user)
            if user.is_superadmin and not user.totp_enabled:
                db.session.commit()  # TOTP enrolment comes first: through the login page
                flash("Undangan diterima. Silakan masuk.")
                return redirect(url_for(".login"))
            return _finish_login(user)
        db.session.rollback()
    return render_template("admin/invitation.html", gone=False, invite=invite, new=user is None,
                           role=ROLES.get(invite.role, invite.role), error=error), status


def _create_invited_account(invite) -> tuple[User | None, str | None]:
    password = request.form.get("password") or ""
    error = password_problem(password, invite.email)
    if error is None and password != request.form.get("password2"):
        error = "Konfirmasi kata sandi tidak sama."
    if error is not None:
        return None, error
    user = User(email=invite.email, name=(request.form.get("name") or "").strip()[:120])
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same address accepted another village's invitation meanwhile
        db.session.rollback()
        return None, "Akun untuk email ini baru saja dibuat. Muat ulang halaman ini lalu " \
                     "masukkan kata sandinya."
    return user, None


def _verify_owner(user: User) -> tuple[str | None, int]:
    """(None, 200) when the form proves ownership of ``user`` (password, and TOTP when
    enabled), else the error and its status."""
    wait = ratelimit.retry_after(user.email, client_ip())
    if wait:
        return ratelimit.message(wait), 429
    ok = may_sign_in(user) and user.check_password(request.form.get("password") or "")
    if ok and user.totp_enabled:
        ok = totp_codes.accept_code(user, request.form.get("code") or "")
    if ok:
        ratelimit.record_success(user.email, client_ip())
        return None, 200
    ratelimit.record_failure(user.email, client_ip())
    audit("login_failed", user.email, user=None, actor=user.email, reason="invitation")
    db.session.commit()
    return "Kata sandi atau kode tidak cocok dengan akun ini.", 400

