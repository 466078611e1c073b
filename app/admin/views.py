"""The village admin (``/admin`` on a village host). Every query goes through the
ORM so ``tenants.scoping`` limits it to the current village; a miss is a 404."""
from __future__ import annotations

import csv
import difflib
import io
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask import (
    Response, abort, flash, g, jsonify, redirect, render_template, request, url_for,
)
from markupsafe import escape
from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError

from app.auth.core import audit, can_publish, is_village_admin, require, touch_content
from app.auth.passwords import password_problem
from app.auth.tokens import make_reset_token, reset_url
from app.extensions import db
from app.markdown import render_markdown
from app.media import MediaError, article_pictures, delete_media, ingest
from app.models import (
    DRAFT, PUBLISHED, SCHEDULED, Album, AuditLog, BudgetLine, MediaFile, Membership, Photo,
    Revision, SiteSettings, Tag, User,
)
from app.models.base import utcnow
from app.models.users import ROLES
from app.themes import available_themes

from . import bp
from .registry import KINDS, Kind, parse_datetime_local, parse_value, slugify

member = require(lambda: g.get("role") is not None)
admin_only = require(is_village_admin)
TRASH_DAYS = 30
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def kind_or_404(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        abort(404)
    return kind


def get_or_404(model, ident: int, trashed: bool = False):
    """Always a scoped SELECT (never the identity map): another village's id is a 404."""
    stmt = select(model).where(model.id == ident)
    if trashed:
        stmt = stmt.execution_options(include_trashed=True)
    obj = db.session.scalar(stmt)
    if obj is None:
        abort(404)
    return obj


def add_revision(kind: Kind, obj, rkind: str = "save", title=None, body=None) -> Revision:
    rev = Revision(object_type=kind.name, object_id=obj.id, user_id=g.user.id,
                   author_name=g.user.name or g.user.email,
                   title=obj.title if title is None else title,
                   body_md=obj.body_md if body is None else body, kind=rkind)
    db.session.add(rev)
    return rev


# -- dashboard, preview ------------------------------------------------------------
@bp.route("/")
@member
def dashboard():
    counts = {k.name: db.session.query(k.model).count() for k in KINDS.values()}
    return render_template("admin/dashboard.html", kinds=KINDS, counts=counts)


@bp.route("/preview", methods=["POST"])
@member
def preview():
    text = request.form.get("text")
    if text is None and request.is_json:
        text = (request.get_json(silent=True) or {}).get("text")
    return jsonify(html=render_markdown(text or "", article_pictures))


# -- generic content CRUD ------------------------------------------------------
@bp.route("/c/<kind_name>/")
@member
def content_list(kind_name: str):
    kind = kind_or_404(kind_name)
    items = db.session.scalars(select(kind.model).order_by(
        getattr(kind.model, kind.order_by).desc() if kind.order_by == "id"
        else getattr(kind.model, kind.order_by))).all()
    return render_template("admin/list.html", kind=kind, items=items)


def _apply_form(kind: Kind, obj, form, files) -> list[str]:
    errors: list[str] = []
    for f in kind.fields:
        if f.type in ("media", "pdf"):
            upload = files.get(f.name + "_upload")
            if upload and upload.filename:
                try:
                    media = ingest(upload.read(), upload.filename, g.tenant.code,
                                   allowed=("pdf",) if f.type == "pdf" else ("image",))
                    db.session.flush()
                    setattr(obj, f.name, media.id)
                except MediaError as exc:
                    errors.append(str(exc))
                continue
            value, error = parse_value(f, form.get(f.name, ""))
            if value is not None and db.session.scalar(
                    select(MediaFile.id).where(MediaFile.id == value)) is None:
                error = f"{f.label}: berkas tidak ditemukan."
            if error:
                errors.append(error)
            else:
                setattr(obj, f.name, value)
            continue
        if f.type == "tags":
            names = [t.strip() for t in form.get("tags", "").split(",") if t.strip()]
            tags = []
            for name in dict.fromkeys(names):
                slug = slugify(name)
                tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
                if tag is None:
                    tag = Tag(slug=slug, name=name[:120])
                    db.session.add(tag)
                tags.append(tag)
            obj.tags = tags
            continue
        if f.name not in form and not f.required and f.type != "slug":
            continue  # not submitted: keep the current (or default) value
        value, error = parse_value(f, form.get(f.name, ""))
        if error:
            errors.append(error)
            continue
        if f.type == "select" and value is None and not f.name.endswith("_id"):
            continue  # "—" on a non-nullable choice keeps the current/default value
        if f.type == "slug":
            if not value and getattr(obj, "slug", None):
                continue  # keep the published address stable
            value = slugify(value or getattr(obj, kind.title_attr, "") or form.get("title", ""))
            clash = db.session.scalar(select(kind.model.id).where(
                kind.model.slug == value, kind.model.id != (obj.id or 0)
            ).execution_options(include_trashed=True))
            if clash is not None:
                value = f"{value}-{utcnow():%H%M%S}"
        if value is None and f.type in ("int", "decimal") and not f.required:
            value = 0 if f.name not in ("year",) else None
        setattr(obj, f.name, value)
    if kind.publishable:
        status = form.get("status", DRAFT)
        if status not in (DRAFT, PUBLISHED, SCHEDULED):
            errors.append("Status tidak valid.")
        elif status != DRAFT and not can_publish():
            if obj.status != status:
                errors.append("Kontributor hanya dapat menyimpan draf; minta redaksi menerbitkan.")
        else:
            when = parse_datetime_local(form.get("published_at"))
            if status == SCHEDULED and when is None:
                errors.append("Isi waktu terbit untuk konten terjadwal.")
            if status == PUBLISHED and when is None:
                when = obj.published_at or utcnow()
            if obj.status != status and status != DRAFT:
                g.published_now = True
            obj.status, obj.published_at = status, when if status != DRAFT else obj.published_at
    return errors


def _form_values(kind: Kind, obj) -> dict:
    values = {}
    for f in kind.fields:
        if f.type == "tags":
            values["tags"] = ", ".join(t.name for t in getattr(obj, "tags", []) or [])
        else:
            v = getattr(obj, f.name, None)
            values[f.name] = "" if v is None else str(v)
    return values


@bp.route("/c/<kind_name>/new", methods=["GET", "POST"])
@member
def content_new(kind_name: str):
    kind = kind_or_404(kind_name)
    obj = kind.model()
    if kind.publishable:
        obj.status = DRAFT
    if request.method == "POST":
        errors = _apply_form(kind, obj, request.form, request.files)
        if not errors:
            db.session.add(obj)
            db.session.flush()
            if kind.revisions:
                add_revision(kind, obj)
            audit("create", f"{kind.name}:{obj.id} {kind.title_of(obj)}")
            if g.get("published_now"):
                audit("publish", f"{kind.name}:{obj.id} {kind.title_of(obj)}")
            touch_content()
            db.session.commit()
            flash(f"{kind.label} tersimpan.")
            return redirect(url_for(".content_edit", kind_name=kind.name, ident=obj.id))
        db.session.rollback()
        return render_template("admin/edit.html", kind=kind, obj=None, errors=errors,
                               values=request.form, media=_media_choices()), 400
    return render_template("admin/edit.html", kind=kind, obj=None, errors=[],
                           values=_form_values(kind, obj), media=_media_choices())


def _media_choices():
    return db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc()).limit(200)).all()


def _conflict(kind: Kind, obj, form):
    theirs = {f.label: _form_values(kind, obj).get(f.name, "") for f in kind.fields}
    mine = {f.label: form.get(f.name, "") for f in kind.fields}
    diff = difflib.HtmlDiff(wrapcolumn=70).make_table(
        str(theirs.get("Isi", "")).splitlines(), str(mine.get("Isi", "")).splitlines(),
        "Versi tersimpan", "Versi Anda") if kind.revisions else ""
    return render_template("admin/conflict.html", kind=kind, obj=obj, theirs=theirs, mine=mine,
                           diff=diff, form=form), 409


@bp.route("/c/<kind_name>/<int:ident>", methods=["GET", "POST"])
@member
def content_edit(kind_name: str, ident: int):
    kind = kind_or_404(kind_name)
    obj = get_or_404(kind.model, ident)
    if request.method == "POST":
        if getattr(obj, "status", DRAFT) != DRAFT and not can_publish():
            # Saving a live item publishes the change: not for kontributor.
            abort(403, description="Kontributor tidak dapat mengubah konten yang sudah "
                                   "terbit atau terjadwal; simpan otomatis tetap tercatat.")
        if kind.versioned:
            try:
                sent = int(request.form.get("version_id", ""))
            except ValueError:
                sent = -1
            if sent != obj.version_id:
                return _conflict(kind, obj, request.form)
        errors = _apply_form(kind, obj, request.form, request.files)
        if errors:
            db.session.rollback()
            obj = get_or_404(kind.model, ident)
            return render_template("admin/edit.html", kind=kind, obj=obj, errors=errors,
                                   values=request.form, media=_media_choices()), 400
        try:
            db.session.flush()
            if kind.revisions:
                add_revision(kind, obj)
            audit("update", f"{kind.name}:{obj.id} {kind.title_of(obj)}")
            if g.get("published_now"):
                audit("publish", f"{kind.name}:{obj.id} {kind.title_of(obj)}")
            touch_content()
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return _conflict(kind, get_or_404(kind.model, ident), request.form)
        flash(f"{kind.label} tersimpan.")
        return redirect(url_for(".content_edit", kind_name=kind.name, ident=obj.id))
    autosave = None
    if kind.revisions:
        autosave = db.session.scalar(select(Revision).where(
            Revision.object_type == kind.name, Revision.object_id == obj.id,
            Revision.kind == "autosave", Revision.user_id == g.user.id,
            Revision.created_at > obj.updated_at))
    return render_template("admin/edit.html", kind=kind, obj=obj, errors=[],
                           values=_form_values(kind, obj), media=_media_choices(),
                           autosave=autosave)


@bp.route("/c/<kind_name>/<int:ident>/autosave", methods=["POST"])
@member
def content_autosave(kind_name: str, ident: int):
    kind = kind_or_404(kind_name)
    if not kind.revisions:
        abort(404)
    obj = get_or_404(kind.model, ident)
    db.session.execute(delete(Revision).where(
        Revision.object_type == kind.name, Revision.object_id == obj.id,
        Revision.kind == "autosave", Revision.user_id == g.user.id))
    rev = add_revision(kind, obj, "autosave", title=request.form.get("title", obj.title)[:200],
                       body=request.form.get("body_md", ""))
    db.session.commit()
    return jsonify(ok=True, revision=rev.id, saved_at=rev.created_at.isoformat())


@bp.route("/c/<kind_name>/<int:ident>/delete", methods=["POST"])
@member
def content_delete(kind_name: str, ident: int):
    kind = kind_or_404(kind_name)
    obj = get_or_404(kind.model, ident)
    if getattr(obj, "status", DRAFT) != DRAFT and not can_publish():
        abort(403)
    title = kind.title_of(obj)
    if kind.trashable:
        obj.deleted_at = utcnow()
    else:
        db.session.delete(obj)
    audit("delete", f"{kind.name}:{ident} {title}")
    touch_content()
    db.session.commit()
    flash(f"{kind.label} dipindahkan ke tempat sampah." if kind.trashable else "Dihapus.")
    return redirect(url_for(".content_list", kind_name=kind.name))


# -- revisions -------------------------------------------------------------------
def _revisions(kind: Kind, obj):
    return db.session.scalars(select(Revision).where(
        Revision.object_type == kind.name, Revision.object_id == obj.id
    ).order_by(Revision.id.desc())).all()


@bp.route("/c/<kind_name>/<int:ident>/history")
@member
def content_history(kind_name: str, ident: int):
    kind = kind_or_404(kind_name)
    if not kind.revisions:
        abort(404)
    obj = get_or_404(kind.model, ident, trashed=True)
    return render_template("admin/history.html", kind=kind, obj=obj, revisions=_revisions(kind, obj))


def _revision_or_404(kind: Kind, obj, rev_id: int) -> Revision:
    rev = db.session.scalar(select(Revision).where(
        Revision.id == rev_id, Revision.object_type == kind.name, Revision.object_id == obj.id))
    if rev is None:
        abort(404)
    return rev


@bp.route("/c/<kind_name>/<int:ident>/diff/<int:rev_a>/<int:rev_b>")
@member
def content_diff(kind_name: str, ident: int, rev_a: int, rev_b: int):
    kind = kind_or_404(kind_name)
    if not kind.revisions:
        abort(404)
    obj = get_or_404(kind.model, ident, trashed=True)
    a, b = _revision_or_404(kind, obj, rev_a), _revision_or_404(kind, obj, rev_b)
    # HtmlDiff escapes the text it shows; the result is safe to mark up.
    table = difflib.HtmlDiff(wrapcolumn=80).make_table(
        [a.title, ""] + a.body_md.splitlines(), [b.title, ""] + b.body_md.splitlines(),
        f"Revisi #{a.id}", f"Revisi #{b.id}", context=False)
    return render_template("admin/diff.html", kind=kind, obj=obj, a=a, b=b, table=table)


@bp.route("/c/<kind_name>/<int:ident>/revisions/<int:rev_id>/restore", methods=["POST"])
@member
def content_restore_revision(kind_name: str, ident: int, rev_id: int):
    kind = kind_or_404(kind_name)
    if not kind.revisions:
        abort(404)
    obj = get_or_404(kind.model, ident)
    rev = _revision_or_404(kind, obj, rev_id)
    if getattr(obj, "status", DRAFT) != DRAFT and not can_publish():
        abort(403)
    obj.title, obj.body_md = rev.title, rev.body_md
    db.session.flush()
    add_revision(kind, obj)
    audit("restore_revision", f"{kind.name}:{obj.id} rev {rev.id}")
    touch_content()
    db.session.commit()
    flash(f"Revisi #{rev.id} dipulihkan.")
    return redirect(url_for(".content_edit", kind_name=kind.name, ident=obj.id))


# -- trash -------------------------------------------------------------------------
@bp.route("/trash")
@member
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
@member
def trash_restore(kind_name: str, ident: int):
    kind = kind_or_404(kind_name)
    if not kind.trashable:
        abort(404)
    obj = get_or_404(kind.model, ident, trashed=True)
    obj.deleted_at = None
    audit("restore", f"{kind.name}:{obj.id} {kind.title_of(obj)}")
    touch_content()
    db.session.commit()
    flash(f"{kind.label} dipulihkan.")
    return redirect(url_for(".trash"))


# -- media -------------------------------------------------------------------------
@bp.route("/media")
@member
def media_library():
    items = db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc())).all()
    if request.args.get("format") == "json":
        return jsonify([{"id": m.id, "kind": m.kind, "name": m.original_name, "alt": m.alt,
                         "url": url_for("public.media", key=m.key)} for m in items])
    return render_template("admin/media.html", items=items)


@bp.route("/media/upload", methods=["POST"])
@member
def media_upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _media_error("Pilih berkas untuk diunggah.")
    try:
        media = ingest(upload.read(), upload.filename, g.tenant.code,
                       alt=request.form.get("alt", "")[:300])
    except MediaError as exc:
        db.session.rollback()
        return _media_error(str(exc))
    db.session.flush()
    audit("upload", f"media:{media.id} {media.original_name}")
    touch_content()
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(id=media.id, url=url_for("public.media", key=media.key), kind=media.kind)
    flash("Berkas diunggah.")
    return redirect(url_for(".media_library"))


def _media_error(message: str):
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=message), 400
    flash(message, "error")
    items = db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc())).all()
    return render_template("admin/media.html", items=items, error=message), 400


@bp.route("/media/<int:ident>/delete", methods=["POST"])
@member
def media_delete(ident: int):
    media = get_or_404(MediaFile, ident, trashed=True)
    name = media.original_name
    delete_media(media)
    audit("delete", f"media:{ident} {name}")
    touch_content()
    db.session.commit()
    flash("Berkas dihapus.")
    return redirect(url_for(".media_library"))


# -- album photos ----------------------------------------------------------------
@bp.route("/albums/<int:ident>/photos", methods=["GET", "POST"])
@member
def album_photos(ident: int):
    album = get_or_404(Album, ident)
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise MediaError("Pilih gambar untuk diunggah.")
            media = ingest(upload.read(), upload.filename, g.tenant.code, allowed=("image",))
            db.session.flush()
            db.session.add(Photo(album_id=album.id, media_id=media.id,
                                 caption=request.form.get("caption", "")[:300],
                                 position=len(album.photos)))
            audit("upload", f"album:{album.id} photo")
            touch_content()
            db.session.commit()
            return redirect(url_for(".album_photos", ident=album.id))
        except MediaError as exc:
            db.session.rollback()
            error = str(exc)
            album = get_or_404(Album, ident)
    return render_template("admin/album.html", album=album, error=error), (400 if error else 200)


@bp.route("/albums/<int:ident>/photos/<int:photo_id>/delete", methods=["POST"])
@member
def album_photo_delete(ident: int, photo_id: int):
    album = get_or_404(Album, ident)
    photo = db.session.scalar(select(Photo).where(Photo.id == photo_id,
                                                  Photo.album_id == album.id))
    if photo is None:
        abort(404)
    db.session.delete(photo)
    audit("delete", f"album:{album.id} photo:{photo_id}")
    touch_content()
    db.session.commit()
    return redirect(url_for(".album_photos", ident=album.id))


# -- budget CSV import -------------------------------------------------------------
@bp.route("/budget/import", methods=["POST"])
@member
def budget_import():
    """CSV columns: year,section,code,name,planned,realised (header row required)."""
    upload = request.files.get("file")
    if upload is None:
        abort(400)
    try:
        text = upload.read().decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        lines = []
        for n, row in enumerate(rows, start=2):
            section = (row.get("section") or "").strip().lower()
            if section not in ("pendapatan", "belanja", "pembiayaan"):
                raise ValueError(f"baris {n}: bagian '{section}' tidak dikenal")
            lines.append(BudgetLine(
                year=int(row["year"]), section=section, code=(row.get("code") or "").strip(),
                name=row["name"].strip()[:200], planned=row.get("planned") or 0,
                realised=row.get("realised") or 0, position=n))
    except (UnicodeDecodeError, KeyError, ValueError, TypeError) as exc:
        flash(f"CSV tidak valid: {escape(str(exc))}", "error")
        return redirect(url_for(".content_list", kind_name="budget")), 303
    db.session.add_all(lines)
    audit("import", f"budget {len(lines)} baris")
    touch_content()
    db.session.commit()
    flash(f"{len(lines)} baris APBDes diimpor.")
    return redirect(url_for(".content_list", kind_name="budget"))


# -- settings ------------------------------------------------------------------------
@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def settings():
    from tenants.models import Tenant

    row = db.session.scalar(select(SiteSettings))
    if row is None:
        row = SiteSettings()
        db.session.add(row)
    themes = available_themes()
    errors = []
    if request.method == "POST":
        if row.id is not None and request.form.get("version_id") != str(row.version_id):
            errors.append("Pengaturan diubah orang lain sejak Anda membuka halaman ini. Muat ulang.")
        for name in ("tagline", "head_name", "welcome", "address", "phone", "email",
                     "whatsapp", "office_hours"):
            setattr(row, name, request.form.get(name, "").strip())
        color = request.form.get("primary_color", "").strip()
        if color and not COLOR_RE.match(color):
            errors.append("Warna utama harus berformat #rrggbb.")
        else:
            row.primary_color = color.lower()
        theme = request.form.get("theme", "")
        if theme not in themes:
            errors.append("Tema tidak dikenal.")
        errors.extend(_apply_place_and_links(row, request.form))
        if not errors:
            tenant = db.session.scalar(select(Tenant).where(Tenant.id == g.tenant.id))
            tenant.theme = theme
            audit("settings", "site_settings", theme=theme)
            touch_content()
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                errors.append("Pengaturan diubah orang lain. Muat ulang.")
            else:
                flash("Pengaturan tersimpan.")
                return redirect(url_for(".settings"))
        db.session.rollback()
        row = db.session.scalar(select(SiteSettings)) or SiteSettings()
    images = db.session.scalars(select(MediaFile).where(MediaFile.kind == "image")
                                .order_by(MediaFile.id.desc()).limit(200)).all()
    return render_template("admin/settings.html", s=row, themes=themes, errors=errors,
                           current_theme=g.tenant.theme, images=images,
                           social_networks=SOCIAL_NETWORKS), (400 if errors else 200)


SOCIAL_NETWORKS = {"facebook": "Facebook", "instagram": "Instagram", "youtube": "YouTube",
                   "tiktok": "TikTok", "x": "X (Twitter)"}


def _apply_place_and_links(row: SiteSettings, form) -> list[str]:
    """Map coordinates, logo and header image, social links; returns the errors."""
    errors = []
    for name, label, limit in (("latitude", "Lintang", 90), ("longitude", "Bujur", 180)):
        raw = form.get(name, "").strip().replace(",", ".")
        if raw == "":
            setattr(row, name, None)
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or abs(value) > limit:
            errors.append(f"{label} harus berupa angka antara -{limit} dan {limit}.")
        else:
            setattr(row, name, value.quantize(Decimal("0.000001")))
    for name, label in (("logo_id", "Logo"), ("header_id", "Gambar header")):
        raw = form.get(name, "")
        if not raw:
            setattr(row, name, None)
            continue
        # scoped query: only an image of this village can be chosen
        image = db.session.scalar(select(MediaFile).where(
            MediaFile.id == (int(raw) if raw.isdigit() else -1), MediaFile.kind == "image"))
        if image is None:
            errors.append(f"{label}: pilih gambar dari pustaka media desa ini.")
        else:
            setattr(row, name, image.id)
    social = {}
    for key, label in SOCIAL_NETWORKS.items():
        url = form.get(f"social_{key}", "").strip()
        if url and (not re.match(r"^https://[^\s/]+\.[^\s]+$", url) or len(url) > 300):
            errors.append(f"Tautan {label} harus diawali https://.")
        elif url:
            social[key] = url
    row.social = social
    return errors


# -- users of this village -----------------------------------------------------
@bp.route("/users", methods=["GET", "POST"])
@admin_only
def users():
    error = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        role = request.form.get("role")
        password = request.form.get("password") or ""
        if role not in ROLES or "@" not in email:
            error = "Email atau peran tidak valid."
        else:
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                error = password_problem(password, email)
                if error is None:
                    user = User(email=email, name=request.form.get("name", "")[:120])
                    user.set_password(password)
                    db.session.add(user)
                    db.session.flush()
            if error is None:
                if user.is_superadmin:
                    error = "Pengguna ini superadmin."
                elif db.session.scalar(select(Membership).where(
                        Membership.user_id == user.id)) is not None:
                    error = "Pengguna sudah menjadi anggota desa ini."
                else:
                    db.session.add(Membership(user_id=user.id, role=role))
                    audit("user_add", email, role=role)
                    db.session.commit()
                    flash("Pengguna ditambahkan.")
                    return redirect(url_for(".users"))
        db.session.rollback()
    members = db.session.scalars(select(Membership).order_by(Membership.id)).all()
    return render_template("admin/users.html", members=members, roles=ROLES, error=error,
                           reset_link=None), (400 if error else 200)


@bp.route("/users/<int:ident>/role", methods=["POST"])
@admin_only
def user_role(ident: int):
    membership = get_or_404(Membership, ident)
    role = request.form.get("role")
    if role not in ROLES:
        abort(400)
    membership.role = role
    audit("user_role", membership.user.email, role=role)
    db.session.commit()
    return redirect(url_for(".users"))


@bp.route("/users/<int:ident>/remove", methods=["POST"])
@admin_only
def user_remove(ident: int):
    membership = get_or_404(Membership, ident)
    if membership.user_id == g.user.id:
        abort(400)
    audit("user_remove", membership.user.email)
    db.session.delete(membership)
    db.session.commit()
    return redirect(url_for(".users"))


def _only_here(user: User) -> bool:
    from tenants.scoping import system_scope

    if user.is_superadmin:
        return False
    with system_scope():
        tenants = set(db.session.scalars(select(Membership.tenant_id).where(
            Membership.user_id == user.id)))
    return tenants == {g.tenant.id}


@bp.route("/account/password", methods=["GET", "POST"])
@member
def account_password():
    """Change one's own password (bumps the auth epoch: other sessions end)."""
    from flask import session

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


@bp.route("/users/<int:ident>/reset", methods=["POST"])
@admin_only
def user_reset(ident: int):
    """A one-time reset link, built from the village's primary domain."""
    membership = get_or_404(Membership, ident)
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
                           reset_link=link, reset_for=membership.user.email)


# -- audit, export -----------------------------------------------------------------
@bp.route("/audit")
@admin_only
def audit_log():
    # AuditLog is a global table (platform events have no village): filter explicitly.
    rows = db.session.scalars(select(AuditLog).where(AuditLog.tenant_id == g.tenant.id)
                              .order_by(AuditLog.id.desc()).limit(500)).all()
    return render_template("admin/audit.html", rows=rows)


@bp.route("/export.zip")
@admin_only
def export_zip():
    from .export import build_export

    data = build_export(g.tenant.id)
    audit("export", g.tenant.slug)
    db.session.commit()
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{g.tenant.slug}-ekspor.zip"'})
