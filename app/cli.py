"""``flask demo ...`` and ``flask content ...`` commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select, update

from .extensions import db

demo_cli = AppGroup("demo", help="Konten contoh untuk mencoba platform.")
content_cli = AppGroup("content", help="Pemeliharaan konten.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Isi beberapa desa contoh dengan konten (aman diulang)."""
    from tenants.models import Tenant
    from tenants.scoping import system_scope

    from .demo import DEMO_VILLAGES, seed_village

    with system_scope():
        tenants = db.session.scalars(select(Tenant).where(Tenant.slug.in_(DEMO_VILLAGES))).all()
    if not tenants:
        raise click.ClickException("Desa contoh belum ada: jalankan `flask tenants import` dulu.")
    for tenant in tenants:
        added = seed_village(tenant)
        click.echo(f"{tenant.slug}: {'konten contoh ditambahkan' if added else 'sudah berisi'}")


@content_cli.command("publish-due")
def publish_due_command() -> None:
    """Terbitkan konten terjadwal yang waktunya sudah tiba (untuk cron)."""
    from .models import SCHEDULED, Announcement, Event, Page, Post, PUBLISHED
    from .models.base import utcnow
    from tenants.scoping import system_scope

    total = 0
    with system_scope():
        for model in (Post, Page, Announcement, Event):
            result = db.session.execute(
                update(model).where(model.status == SCHEDULED, model.published_at <= utcnow())
                .values(status=PUBLISHED)
            )
            total += result.rowcount or 0
        db.session.commit()
    click.echo(f"{total} konten terjadwal diterbitkan.")


def init_app(app) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(content_cli)
