"""The media library and the photos of gallery albums."""
from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import CombinedMultiDict

from app.auth.core import audit, touch_content
from app.extensions import db
from app.media import delete_media, store_upload
from app.models import Album, MediaFile, Photo
from app.permissions import permission

from . import bp
from .common import load_or_404
from .forms import error_list
from .forms.media import PhotoForm, UploadForm
from .saving import stored_files


def _submitted():
    return CombinedMultiDict([request.files, request.form])


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/media")
@permission("media.view")
def media_library():
    items = db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc())).all()
    if request.args.get("format") == "json":
        return jsonify([{"id": m.id, "kind": m.kind, "name": m.original_name, "alt": m.alt,
                         "url": url_for("public.media", key=m.key)} for m in items])
    return render_template("admin/media.html", items=items)


@bp.route("/media/upload", methods=["POST"])
@permission("media.upload")
def media_upload():
    form = UploadForm(_submitted())
    form.validate()
    errors = error_list(form) or ([] if form.file.value else ["Pilih berkas untuk diunggah."])
    if errors:
        return _media_error(errors[0])
    with stored_files() as files:
        media = store_upload(form.file.value, g.tenant.code, alt=form.alt.value)
        files.append(media)
        db.session.flush()
        audit("upload", f"media:{media.id} {media.original_name}")
        touch_content()
        db.session.commit()
    if _wants_json():
        return jsonify(id=media.id, url=url_for("public.media", key=media.key), kind=media.kind)
    flash("Berkas diunggah.")
    return redirect(url_for(".media_library"))


def _media_error(message: str):
    if _wants_json():
        return jsonify(error=message), 400
    flash(message, "error")
    items = db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc())).all()
    return render_template("admin/media.html", items=items, error=message), 400


@bp.route("/media/<int:ident>/delete", methods=["POST"])
@permission("media.delete")
def media_delete(ident: int):
    media = load_or_404(MediaFile, ident, trashed=True)
    name = media.original_name
    delete_media(media)
    audit("delete", f"media:{ident} {name}")
    touch_content()
    db.session.commit()
    flash("Berkas dihapus.")
    return redirect(url_for(".media_library"))


# -- album photos: changing them edits the album ---------------------------------
@bp.route("/albums/<int:ident>/photos", methods=["GET", "POST"])
@permission("content.edit", kind="album", read="content.view")
def album_photos(ident: int):
    album = load_or_404(Album, ident)
    if request.method == "GET":
        return render_template("admin/album.html", album=album, error=None)
    form = PhotoForm(_submitted())
    form.validate()
    errors = error_list(form) or ([] if form.file.value else ["Pilih gambar untuk diunggah."])
    if errors:
        return render_template("admin/album.html", album=album, error=errors[0]), 400
    with stored_files() as files:
        media = store_upload(form.file.value, g.tenant.code)
        files.append(media)
        db.session.flush()
        db.session.add(Photo(album_id=album.id, media_id=media.id, caption=form.caption.value,
                             position=len(album.photos)))
        audit("upload", f"album:{album.id} photo")
        touch_content()
        db.session.commit()
    return redirect(url_for(".album_photos", ident=album.id))


@bp.route("/albums/<int:ident>/photos/<int:photo_id>/delete", methods=["POST"])
@permission("content.edit", kind="album")
def album_photo_delete(ident: int, photo_id: int):
    album = load_or_404(Album, ident)
    photo = db.session.scalar(select(Photo).where(Photo.id == photo_id,
                                                  Photo.album_id == album.id))
    if photo is None:
        abort(404)
    db.session.delete(photo)
    audit("delete", f"album:{album.id} photo:{photo_id}")
    touch_content()
    db.session.commit()
    return redirect(url_for(".album_photos", ident=album.id))
