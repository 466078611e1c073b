"""The village's site settings: texts, colour, map position, logo, social links, theme."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.auth.core import audit, touch_content
from app.extensions import db
from app.models import MediaFile, Official, SiteSettings
from app.permissions import permission
from app.themes import available_themes
from tenants.models import Tenant

from . import bp
from .forms import error_list
from .forms.settings import SOCIAL_NETWORKS, TEXTS, settings_form


def _store(row: SiteSettings, form) -> None:
    for name in (*TEXTS, "primary_color", "latitude", "longitude", "logo_id", "header_id",
                 "ppid_official_id", "ppid_superior_id"):
        setattr(row, name, form[name].value)
    row.social = {key: form[f"social_{key}"].value for key in SOCIAL_NETWORKS
                  if form[f"social_{key}"].value}
    tenant = db.session.scalar(select(Tenant).where(Tenant.id == g.tenant.id))
    tenant.theme = form.theme.value


@bp.route("/settings", methods=["GET", "POST"])
@permission("settings.edit")
def settings():
    row = db.session.scalar(select(SiteSettings))
    themes = available_themes()
    errors = []
    if request.method == "POST":
        form = settings_form(themes)(request.form)
        form.validate()
        errors = error_list(form)
        if row is not None and request.form.get("version_id") != str(row.version_id):
            errors.insert(0, "Pengaturan diubah orang lain sejak Anda membuka halaman ini. "
                             "Muat ulang.")
        if not errors:
            if row is None:
                row = SiteSettings()
                db.session.add(row)
            _store(row, form)
            audit("settings", "site_settings", theme=form.theme.value)
            touch_content()
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                errors.append("Pengaturan diubah orang lain. Muat ulang.")
            else:
                flash("Pengaturan tersimpan.")
                return redirect(url_for(".settings"))
            row = db.session.scalar(select(SiteSettings))
    images = db.session.scalars(select(MediaFile).where(MediaFile.kind == "image")
                                .order_by(MediaFile.id.desc()).limit(200)).all()
    officials = db.session.scalars(select(Official).order_by(Official.position_order,
                                                             Official.id)).all()
    return render_template("admin/settings.html", s=row or SiteSettings(), themes=themes,
                           errors=errors, current_theme=g.tenant.theme, images=images,
                           officials=officials, social_networks=SOCIAL_NETWORKS), \
        (400 if errors else 200)
