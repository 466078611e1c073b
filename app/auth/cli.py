"""``flask users ...``: create operators, print the demo login."""
from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.demo import DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD, DEMO_OPERATOR_VILLAGE
from app.extensions import db
from app.models.users import ROLES, Membership, User
from tenants.scoping import system_scope, tenant_context

from .passwords import password_problem

users_cli = AppGroup("users", help="Kelola operator (pengguna admin).")


def _read_password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get("DESA_USER_PASSWORD"):
        return os.environ["DESA_USER_PASSWORD"]
    return click.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)


def ensure_user(email: str, password: str | None, superadmin: bool = False) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        user = User(email=email.lower(), is_superadmin=superadmin)
        db.session.add(user)
    if superadmin:
        user.is_superadmin = True
    if password is not None:
        user.set_password(password)
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["superadmin", *ROLES]), required=True)
@click.option("--village", default=None, help="Slug desa (wajib kecuali superadmin).")
@click.option("--password-stdin", is_flag=True, help="Baca kata sandi dari stdin.")
def create_command(email: str, role: str, village: str | None, password_stdin: bool) -> None:
    """Buat (atau perbarui) operator. Kata sandi dari prompt, stdin atau DESA_USER_PASSWORD."""
    from tenants.cli import find_tenant

    if role != "superadmin" and not village:
        raise click.ClickException("--village wajib untuk peran selain superadmin.")
    password = _read_password(password_stdin)
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    with system_scope():
        tenant = find_tenant(village) if village else None
        user = ensure_user(email, password, superadmin=role == "superadmin")
        db.session.flush()
    if tenant is not None:
        with tenant_context(tenant.id):
            membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
            if membership is None:
                db.session.add(Membership(user_id=user.id, role=role))
            else:
                membership.role = role
            db.session.commit()
    else:
        db.session.commit()
    click.echo(f"Operator {email} dibuat dengan peran {role}"
               + (f" di desa {tenant.slug}." if tenant else "."))


@users_cli.command("demo-login")
def demo_login_command() -> None:
    """Siapkan operator contoh desa jlodro dan cetak cara masuk (bukan untuk produksi)."""
    if current_app.config.get("DESA_ENV") == "production":
        raise click.ClickException("demo-login tidak tersedia di produksi.")
    from tenants.models import Tenant

    with system_scope():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == DEMO_OPERATOR_VILLAGE))
        if tenant is None:
            raise click.ClickException("Desa jlodro belum ada: jalankan `flask tenants import`.")
        user = db.session.scalar(select(User).where(User.email == DEMO_OPERATOR_EMAIL))
        if user is None:
            user = ensure_user(DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD)
            user.name = "Operator Demo"
        elif not user.check_password(DEMO_OPERATOR_PASSWORD):
            user.set_password(DEMO_OPERATOR_PASSWORD)
        db.session.flush()
    with tenant_context(tenant.id):
        if db.session.scalar(select(Membership).where(Membership.user_id == user.id)) is None:
            db.session.add(Membership(user_id=user.id, role="admin"))
        db.session.commit()
    click.echo("  Masuk ke panel admin desa (demo):")
    click.echo(f"      http://{DEMO_OPERATOR_VILLAGE}.localhost:8000/admin/login")
    click.echo(f"      email: {DEMO_OPERATOR_EMAIL}   kata sandi: {DEMO_OPERATOR_PASSWORD}")


def init_app(app) -> None:
    app.cli.add_command(users_cli)
