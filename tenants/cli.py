"""``flask tenants ...``: provisioning and administration of villages."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, or_, select

from app.extensions import db

from .models import STATUSES, Domain, Tenant
from .provisioning import TUBAN, ImportFileError, import_villages, read_villages, rename_slug
from .scoping import system_scope

tenants_cli = AppGroup("tenants", help="Kelola desa (tenant): impor, daftar, ganti slug, status.")


def find_tenant(ref: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(or_(Tenant.slug == ref, Tenant.code == ref)))
    if tenant is None:
        raise click.ClickException(f"Desa {ref!r} tidak ditemukan (pakai slug atau kode wilayah).")
    return tenant


@tenants_cli.command("import")
@click.option("--regency", default=None, metavar="CODE",
              help="Kode kabupaten (default 35.23 Tuban; ALL = seluruh Indonesia).")
@click.option("--file", "file", type=click.Path(dir_okay=False), default=None,
              help="CSV desa (code,district_code,name[,district_name]); default data bawaan.")
@click.option("--status", type=click.Choice(STATUSES), default=None,
              help="Status desa baru (default dari TENANT_DEFAULT_STATUS).")
def import_command(regency: str | None, file: str | None, status: str | None) -> None:
    """Impor desa dari data wilayah Kemendagri. Aman dijalankan berulang kali."""
    regency = regency or (None if file else TUBAN)
    try:
        records = read_villages(regency, file)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    status = status or current_app.config["TENANT_DEFAULT_STATUS"]
    base = current_app.config["BASE_DOMAIN"]
    with system_scope():
        if sys.stderr.isatty():
            with click.progressbar(length=len(records), label="Mengimpor desa",
                                   file=sys.stderr) as bar:
                result = import_villages(records, base, status, progress=bar.update)
        else:
            result = import_villages(records, base, status)
        total = db.session.scalar(select(func.count(Tenant.id)))
    click.echo(f"{len(records)} desa dibaca: {result.added} baru, {result.updated} diperbarui, "
               f"{result.unchanged} tetap. Total desa: {total}.")


@tenants_cli.command("list")
@click.option("--kecamatan", default=None, help="Nama atau kode kecamatan.")
def list_command(kecamatan: str | None) -> None:
    """Daftar desa dengan kode, slug, status dan host utama."""
    statement = select(Tenant).order_by(Tenant.code)
    if kecamatan:
        statement = statement.where(or_(Tenant.kecamatan_code == kecamatan,
                                        func.lower(Tenant.kecamatan_name) == kecamatan.lower()))
    with system_scope():
        for tenant in db.session.scalars(statement):
            primary = tenant.primary_domain
            click.echo(f"{tenant.code}\t{tenant.slug}\t{tenant.status}\t"
                       f"{primary.hostname if primary else '-'}\t{tenant.kecamatan_name}")


@tenants_cli.command("rename")
@click.argument("ref")
@click.argument("new_slug")
def rename_command(ref: str, new_slug: str) -> None:
    """Ganti slug desa; alamat lama tetap dialihkan (301) ke alamat baru."""
    with system_scope():
        tenant = find_tenant(ref)
        old = tenant.slug
        try:
            domain = rename_slug(tenant, new_slug, current_app.config["BASE_DOMAIN"])
        except ValueError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
    click.echo(f"{old} -> {new_slug}: host utama {domain.hostname}; host lama dialihkan.")


@tenants_cli.command("status")
@click.argument("ref")
@click.argument("status", type=click.Choice(STATUSES))
def status_command(ref: str, status: str) -> None:
    """Ubah status desa: active, suspended (pemeliharaan) atau provisioned (belum tayang)."""
    with system_scope():
        tenant = find_tenant(ref)
        tenant.status = status
        db.session.commit()
    click.echo(f"{ref}: status {status}")


@tenants_cli.command("add-domain")
@click.argument("ref")
@click.argument("hostname")
def add_domain_command(ref: str, hostname: str) -> None:
    """Tambah domain alias (mis. domain khusus) yang dialihkan ke host utama."""
    from .hosts import InvalidHost, normalize_host

    try:
        host = normalize_host(hostname)
    except InvalidHost as exc:
        raise click.ClickException(f"Nama host tidak valid: {hostname!r}") from exc
    with system_scope():
        tenant = find_tenant(ref)
        if db.session.scalar(select(Domain).where(Domain.hostname == host)):
            raise click.ClickException(f"{host} sudah terdaftar.")
        db.session.add(Domain(hostname=host, tenant=tenant, is_primary=False))
        db.session.commit()
    click.echo(f"{host} -> {tenant.slug}")


def init_app(app) -> None:
    app.cli.add_command(tenants_cli)
