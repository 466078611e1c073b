"""``flask demo ...``, ``flask content ...`` and ``flask search ...`` commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select, update

from .extensions import db

demo_cli = AppGroup("demo", help="Konten contoh untuk mencoba platform.")
content_cli = AppGroup("content", help="Pemeliharaan konten.")
search_cli = AppGroup("search", help="Indeks pencarian desa.")


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


@content_cli.command("render")
@click.option("--village", "ref", default=None, metavar="KODE",
              help="Kode wilayah atau slug satu desa; default semua desa.")
def render_command(ref: str | None) -> None:
    """Render ulang HTML semua isi Markdown (setelah aturan tampilan berubah).

    The HTML of every body is computed when it is saved; this brings what is stored
    up to the current rendering (for example the resized copies of uploaded pictures)
    without touching the Markdown, the edit counter or the revisions."""
    from tenants.cli import find_tenant
    from tenants.scoping import system_scope, tenant_context

    from .markdown import check_markdown, render_markdown
    from .media import article_pictures
    from .validation import Invalid
    from .models.base import MarkdownBody

    models = [mapper.class_ for mapper in db.Model.registry.mappers
              if issubclass(mapper.class_, MarkdownBody)]
    with system_scope():
        only = find_tenant(ref).id if ref is not None else None
        villages = sorted({tenant_id for model in models for tenant_id in db.session.scalars(
            select(model.tenant_id).distinct().execution_options(include_trashed=True))
            if only is None or tenant_id == only})
    total = changed = refused = 0
    for village_id in villages:
        with tenant_context(village_id):
            for model in models:
                rows = db.session.execute(select(model.id, model.body_md, model.body_html)
                                          .execution_options(include_trashed=True)).all()
                for ident, source, html in rows:
                    total += 1
                    try:
                        check_markdown(source)
                    except Invalid:
                        refused += 1  # beyond today's limits: its stored HTML stays
                        continue
                    fresh = render_markdown(source, article_pictures)
                    if fresh != (html or ""):
                        # a bulk UPDATE: the edit counter stays, the page cache is told
                        db.session.execute(update(model).where(model.id == ident)
                                           .values(body_html=fresh)
                                           .execution_options(include_trashed=True))
                        changed += 1
            db.session.commit()
    where = f"desa {ref}" if ref is not None else "semua desa"
    click.echo(f"{total} isi diperiksa, {changed} dirender ulang ({where}).")
    if refused:
        click.echo(f"{refused} isi melampaui batas Markdown (terlalu panjang atau bersarang "
                   "terlalu dalam); HTML tersimpannya dibiarkan. Perbaiki lewat editor.")


@search_cli.command("reindex")
@click.option("--village", "ref", default=None, metavar="KODE",
              help="Kode wilayah atau slug satu desa; default semua desa.")
def search_reindex_command(ref: str | None) -> None:
    """Bangun ulang indeks pencarian dari konten (semua desa atau satu desa)."""
    from tenants.cli import find_tenant
    from tenants.models import Tenant
    from tenants.scoping import system_scope

    from .models.search import rebuild

    with system_scope():
        tenant_id = find_tenant(ref).id if ref is not None else None
        total = rebuild(db.session.connection(), tenant_id)
        db.session.commit()
        rebuilt = ([tenant_id] if tenant_id is not None
                   else db.session.scalars(select(Tenant.id)).all())
    # The rebuild bypasses the ORM: cached result pages are forgotten explicitly.
    from .pagecache import invalidate_village

    for village_id in rebuilt:
        invalidate_village(village_id)
    where = f"desa {ref}" if ref is not None else "semua desa"
    click.echo(f"{total} entri indeks pencarian dibangun ulang ({where}).")


def init_app(app) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(search_cli)
