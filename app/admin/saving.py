"""The one path by which an operator's validated form becomes stored content.

Views validate the whole form first (``ContentForm.check``); only then does
``save_content`` store the uploaded files, create tags, set the fields, stamp
the owner and write the revision and audit rows, in one transaction. When
that transaction fails, the files it stored are removed again, so a refused
save leaves nothing behind.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import g
from sqlalchemy import select

from app.auth.core import audit, touch_content
from app.extensions import db
from app.media import delete_stored, store_upload
from app.models import DRAFT, Tag
from app.models.base import utcnow

from .common import add_revision
from .forms import CheckedField, UploadField
from .forms.content import ContentForm, unique_slug
from .registry import Kind, slugify


@contextmanager
def stored_files():
    """Collects the files stored inside the block; on an exception they are deleted
    and the session rolled back before the exception goes on."""
    stored: list = []
    try:
        yield stored
    except BaseException:
        db.session.rollback()
        for media in stored:
            delete_stored(media)
        raise


def _tags(raw: str) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(t.strip() for t in raw.split(",") if t.strip()):
        slug = slugify(name)[:80]
        tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(slug=slug, name=name[:120])
            db.session.add(tag)
        tags.append(tag)
    return tags


def _set_fields(kind: Kind, obj, form: ContentForm, files: list) -> None:
    for f in kind.fields:
        field: CheckedField = form[f.name]
        if f.type in ("media", "pdf"):
            upload: UploadField = form[f.name + "_upload"]
            if upload.value is not None:
                media = store_upload(upload.value, g.tenant.code)
                files.append(media)
                db.session.flush()
                setattr(obj, f.name, media.id)
            elif field.submitted:
                setattr(obj, f.name, field.value)
            continue
        if f.type == "tags":
            if field.submitted:
                obj.tags = _tags(field.value)
            continue
        if f.type == "slug":
            if field.value or not getattr(obj, "slug", None):  # a live address stays stable
                obj.slug = unique_slug(kind, field.value or form.title_hint(), obj.id)
            continue
        if not field.submitted and not f.required:
            continue  # not submitted: keep the current (or default) value
        value = field.value
        if f.type == "select" and value is None and not f.name.endswith("_id"):
            continue  # "—" on a non-nullable choice keeps the current/default value
        if value is None and f.type in ("int", "decimal") and f.name != "year":
            value = 0
        setattr(obj, f.name, value)


def save_content(kind: Kind, obj, form: ContentForm) -> None:
    """Store a validated form on ``obj`` (new or existing) and commit.

    Raises what the database raises (``StaleDataError`` for a concurrent edit,
    ``IntegrityError`` for a slug taken in the same instant); the session is then
    rolled back and the files of this save are gone."""
    creating = obj.id is None
    published_now = False
    with stored_files() as files:
        _set_fields(kind, obj, form, files)
        if kind.publishable:
            status, when = form.status.value, form.published_at.value
            published_now = status != DRAFT and status != obj.status
            if status != DRAFT:
                obj.published_at = when or obj.published_at or utcnow()
            obj.status = status
            if creating:
                obj.owner_id = g.user.id
        if creating:
            db.session.add(obj)
        db.session.flush()
        if kind.revisions:
            add_revision(kind, obj)
        title = f"{kind.name}:{obj.id} {kind.title_of(obj)}"
        audit("create" if creating else "update", title)
        if published_now:
            audit("publish", title)
        touch_content()
        db.session.commit()

