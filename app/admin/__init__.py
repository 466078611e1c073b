"""Operator CMS: village admin (``/admin`` on village hosts) and the superadmin
console (``/admin`` on the portal)."""
from __future__ import annotations

import time

from flask import Blueprint, abort, g, request

from app.permissions import enforce
from app.validation import INT_MAX

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")

_last_publish_check: dict[int, float] = {}


@bp.before_request
def _publish_due() -> None:
    """Cheap on-request scheduled publishing: at most once a minute per village."""
    tenant = g.get("tenant")
    if tenant is None:
        return
    now = time.monotonic()
    if now - _last_publish_check.get(tenant.id, 0) < 60:
        return
    _last_publish_check[tenant.id] = now
    publish_due()


def ids_in_range() -> None:
    """An id in the URL larger than any the database stores is a plain 404 (PostgreSQL
    would refuse to compare an INTEGER column with it)."""
    if any(isinstance(v, int) and not 0 <= v <= INT_MAX
           for v in (request.view_args or {}).values()):
        abort(404)


bp.before_request(ids_in_range)
bp.before_request(enforce)  # every view declares its action (app.permissions)


def publish_due() -> int:
    """Publish the current village's scheduled items whose time has come."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models import PUBLISHED, SCHEDULED, Announcement, Event, Page, Post
    from app.models.base import utcnow

    total = 0
    for model in (Post, Page, Announcement, Event):
        result = db.session.execute(
            update(model).where(model.status == SCHEDULED, model.published_at <= utcnow())
            .values(status=PUBLISHED, version_id=model.version_id + 1)
            .execution_options(synchronize_session=False))
        total += result.rowcount or 0
    if total:
        db.session.commit()
    return total


def purge_trash(days: int = 30) -> int:
    """Delete items that have been in the trash longer than ``days`` (all villages)."""
    from datetime import timedelta

    from sqlalchemy import delete

    from app.extensions import db
    from app.models.base import utcnow
    from tenants.scoping import system_scope

    from .registry import KINDS

    cutoff = utcnow() - timedelta(days=days)
    total = 0
    with system_scope():
        for kind in KINDS.values():
            if kind.trashable:
                result = db.session.execute(
                    delete(kind.model).where(kind.model.deleted_at < cutoff)
                    .execution_options(include_trashed=True, synchronize_session=False))
                total += result.rowcount or 0
        db.session.commit()
    return total


def init_app(app) -> None:
    import click

    from app.cli import content_cli

    @content_cli.command("purge-trash")
    @click.option("--days", default=30, show_default=True)
    def purge_trash_command(days: int) -> None:
        """Hapus permanen item di tempat sampah yang lebih lama dari N hari (untuk cron)."""
        click.echo(f"{purge_trash(days)} item dihapus permanen dari tempat sampah.")

    from app import permissions

    from . import (audit, budget, content, export, media, ppid, regency_ppid,  # noqa: F401
                   settings, superadmin, users)
    from .superadmin import bp as superadmin_bp

    permissions.init_app(app)
    app.register_blueprint(bp)
    app.register_portal_blueprint(superadmin_bp)
    export.init_app(app)
    app.config.setdefault("MEDIA_MAX_FILE_BYTES", 10 * 1024 * 1024)
    app.config.setdefault("MEDIA_QUOTA_BYTES", 1024 * 1024 * 1024)
