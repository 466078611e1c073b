"""Forms of the media library and the album photos."""
from __future__ import annotations

from functools import partial

from app import validation
from app.models import MediaFile, Photo

from . import CheckedField, Form, UploadField


class UploadForm(Form):
    file = UploadField("Berkas")
    alt = CheckedField("Teks alternatif", convert=partial(
        validation.text, label="Teks alternatif",
        max_length=validation.column_limit(MediaFile.alt)))


class PhotoForm(Form):
    file = UploadField("Gambar", allowed=("image",))
    caption = CheckedField("Keterangan", convert=partial(
        validation.text, label="Keterangan", max_length=validation.column_limit(Photo.caption)))
