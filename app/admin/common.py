"""Helpers every admin area shares: loading an object the operator may act on."""
from __future__ import annotations

from flask import abort, g
from sqlalchemy import select

from app.extensions import db
from app.models import MediaFile, Revision
from app.permissions import authorize

from .registry import KINDS, Kind


def kind_or_404(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        abort(404)
    return kind


def load_or_404(model, ident: int, *, trashed: bool = False, action: str | None = None,
                kind: str | None = None):
    """The object with this id in the current village, checked against the permission
    table for the request's declared action (or ``action``).

    Always a scoped SELECT (never the identity map): another village's id is a 404.
    """
    stmt = select(model).where(model.id == ident)
    if trashed:
        stmt = stmt.execution_options(include_trashed=True)
    obj = db.session.scalar(stmt)
    if obj is None:
        abort(404)
    authorize(obj, action, kind)
    return obj


def add_revision(kind: Kind, obj, rkind: str = "save", title=None, body=None) -> Revision:
    rev = Revision(object_type=kind.name, object_id=obj.id, user_id=g.user.id,
                   author_name=g.user.name or g.user.email,
                   title=obj.title if title is None else title,
                   body_md=obj.body_md if body is None else body, kind=rkind)
    db.session.add(rev)
    return rev


def media_choices():
    return db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc()).limit(200)).all()
