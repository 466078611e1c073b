"""The trash (restore within its days), the village's audit log and its export."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, flash, g, redirect, render_template, url_for
from sqlalchemy import select

from app.auth.core import audit, touch_content
from app.extensions import db
from app.models import AuditLog
from app.models.base import utcnow
from app.permissions import permission

from . import bp
from .common import kind_or_404, load_or_404
from .registry import KINDS

TRASH_DAYS = 30


@bp.route("/trash")
@permission("trash.view")
def trash():
    cutoff = utcnow() - timedelta(days=TRASH_DAYS)
    groups = []
    for kind in KINDS.values():
        if not kind.trashable:
            continue
        items = db.session.scalars(select(kind.model).where(
            kind.model.deleted_at.is_not(None), kind.model.deleted_at > cutoff
        ).execution_options(include_trashed=True)).all()
        if items:
            groups.append((kind, items))
    return render_template("admin/trash.html", groups=groups, days=TRASH_DAYS)


@bp.route("/trash/<kind_name>/<int:ident>/restore", methods=["POST"])
@permission("trash.restore")
def trash_restore(kind_name: str, ident: int):
    kind = kind_or_404(kind_name)
    if not kind.trashable:
        abort(404)
    obj = load_or_404(kind.model, ident, trashed=True)
    obj.deleted_at = None
    audit("restore", f"{kind.name}:{obj.id} {kind.title_of(obj)}")
    touch_content()
    db.session.commit()
    flash(f"{kind.label} dipulihkan.")
    return redirect(url_for(".trash"))


@bp.route("/audit")
@permission("audit.view")
def audit_log():
    # AuditLog is a global table (platform events have no village): filter explicitly.
    rows = db.session.scalars(select(AuditLog).where(AuditLog.tenant_id == g.tenant.id)
                              .order_by(AuditLog.id.desc()).limit(500)).all()
    return render_template("admin/audit.html", rows=rows)


@bp.route("/export.zip")
@permission("export.download")
def export_zip():
    from .export import build_export

    data = build_export(g.tenant.id)
    audit("export", g.tenant.slug)
    db.session.commit()
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{g.tenant.slug}-ekspor.zip"'})
