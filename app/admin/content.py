"""Content editing: the dashboard, lists, create/edit/delete, autosave and revisions."""
from __future__ import annotations

import difflib

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from markupsafe import escape
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import CombinedMultiDict

from app.auth.core import audit, touch_content
from app.extensions import db
from app.markdown import check_markdown, render_markdown
from app.media import article_pictures
from app.models import DRAFT, Revision
from app.models.base import utcnow
from app.permissions import permission
from app.validation import Invalid

from . import bp
from .common import add_revision, kind_or_404, load_or_404, media_choices
from .forms.content import content_form
from .registry import KINDS, Kind
from .saving import save_content


@bp.route("/")
@permission("dashboard.view")
def dashboard():
    from app.permissions import can

    from .ppid import open_requests, today_and_calendar

    counts = {k.name: db.session.query(k.model).count() for k in KINDS.values()}
    requests = open_requests() if can("ppid.view") else []
    return render_template("admin/dashboard.html", kinds=KINDS, counts=counts,
                           open_requests=requests, ppid_dates=today_and_calendar(requests))


@bp.route("/preview", methods=["POST"])
@permission("dashboard.view")
def preview():
    text = request.form.get("text")
    if text is None and request.is_json:
        text = (request.get_json(silent=True) or {}).get("text")
    try:
        check_markdown(text)
    except Invalid as refused:
        return jsonify(html=f'<p class="flash error">{escape(str(refused))}</p>',
                       error=str(refused)), 400
    return jsonify(html=render_markdown(text or "", article_pictures))


@bp.route("/c/<kind_name>/")
@permission("content.view")
def content_list(kind_name: str):
    kind = kind_or_404(kind_name)
    items = db.session.scalars(select(kind.model).order_by(
        getattr(kind.model, kind.order_by).desc() if kind.order_by == "id"
        else getattr(kind.model, kind.order_by))).all()
    return render_template("admin/list.html", kind=kind, items=items)


def _form_values(kind: Kind, obj) -> dict:
    values = {}
    for f in kind.fields:
        if f.type == "tags":
            values["tags"] = ", ".join(t.name for t in getattr(obj, "tags", []) or [])
        else:
            v = getattr(obj, f.name, None)
            values[f.name] = "" if v is None else str(v)
    return values


def _submitted():
    return CombinedMultiDict([request.files, request.form])


def _edit_page(kind: Kind, obj, errors: list[str], values, status: int = 200, **extra):
    return render_template("admin/edit.html", kind=kind, obj=obj, errors=errors, values=values,
                           media=media_choices(), **extra), status


def _slug_taken(kind: Kind, obj):
    return _edit_page(kind, obj, ["Alamat (slug) ini baru saja dipakai isi lain. "
                                  "Simpan sekali lagi."], request.form, 409)


@bp.route("/c/<kind_name>/new", methods=["GET", "POST"])
@permission("content.create")
def content_new(kind_name: str):
    kind = kind_or_404(kind_name)
    obj = kind.model()
    if kind.publishable:
        obj.status = DRAFT
    if request.method == "GET":
        return _edit_page(kind, None, [], _form_values(kind, obj))
    form = content_form(kind)(_submitted())
    errors = form.check(obj)
    if errors:
        return _edit_page(kind, None, errors, request.form, 400)
    try:
        save_content(kind, obj, form)
    except IntegrityError:
        return _slug_taken(kind, None)
    flash(f"{kind.label} tersimpan.")
    return redirect(url_for(".content_edit", kind_name=kind.name, ident=obj.id))


def _conflict(kind: Kind, obj, form):
    theirs = {f.label: _form_values(kind, obj).get(f.name, "") for f in kind.fields}
    mine = {f.label: form.get(f.name, "") for f in kind.fields}
    diff = difflib.HtmlDiff(wrapcolumn=70).make_table(
        str(theirs.get("Isi", "")).splitlines(), str(mine.get("Isi", "")).splitlines(),
        "Versi tersimpan", "Versi Anda") if kind.revisions else ""
    return render_template("admin/conflict.html", kind=kind, obj=obj, theirs=theirs, mine=mine,
                           diff=diff, form=form), 409


@bp.route("/c/<kind_name>/<int:ident>", methods=["GET", "POST"])
@permission("content.edit", read="content.view")
def content_edit(kind_name: str, ident: int):
    kind = kind_or_404(kind_name)
    obj = load_or_404(kind.model, ident)
    if request.method == "GET":
        autosave = None
        if kind.revisions:
            autosave = db.session.scalar(select(Revision).where(
                Revision.object_type == kind.name, Revision.object_id == obj.id,
                Revision.kind == "autosave", Revision.user_id == g.user.id,
                Revision.created_at > obj.updated_at))
        return _edit_page(kind, obj, [], _form_values(kind, obj), autosave=autosave)
    if kind.versioned and request.form.get("version_id", "") != str(obj.version_id):
        return _conflict(kind, obj, request.form)
    form = content_form(kind)(_submitted())
    errors = form.check(obj)
    if errors:
        return _edit_page(kind, obj, errors, request.form, 400)
    try:
        save_content(kind, obj, form)
    except StaleDataError:
        return _conflict(kind, load_or_404(kind.model, ident), request.form)
    except IntegrityError:
        return _slug_taken(kind, load_or_404(kind.model, ident))
    flash(f"{kind.label} tersimpan.")
    return redirect(url_for(".content_edit", kind_name=kind.name, ident=obj.id))


@bp.route("/c/<kind_name>/<int:ident>/autosave", methods=["POST"])
@permission("content.autosave")
def content_autosave(kind_name: str, ident: int):
    kind, obj = _with_revisions(kind_name, ident)
    db.session.execute(delete(Revision).where(
        Revision.object_type == kind.name, Revision.object_id == obj.id,
        Revision.kind == "autosave", Revision.user_id == g.user.id))
    limit = Revision.title.property.columns[0].type.length
    rev = add_revision(kind, obj, "autosave",
                       title=request.form.get("title", obj.title)[:limit],
                       body=request.form.get("body_md", "")[:200_000])
    db.session.commit()
    return jsonify(ok=True, revision=rev.id, saved_at=rev.created_at.isoformat())


@bp.route("/c/<kind_name>/<int:ident>/delete", methods=["POST"])
@permission("content.delete")
def content_delete(kind_name: str, ident: int):
    kind = kind_or_404(kind_name)
    obj = load_or_404(kind.model, ident)
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


def _with_revisions(kind_name: str, ident: int, trashed: bool = False):
    """The kind and the object (checked against the table first), if it keeps revisions."""
    kind = kind_or_404(kind_name)
    obj = load_or_404(kind.model, ident, trashed=trashed)
    if not kind.revisions:
        abort(404)
    return kind, obj


@bp.route("/c/<kind_name>/<int:ident>/history")
@permission("content.view")
def content_history(kind_name: str, ident: int):
    kind, obj = _with_revisions(kind_name, ident, trashed=True)
    return render_template("admin/history.html", kind=kind, obj=obj,
                           revisions=_revisions(kind, obj))


def _revision_or_404(kind: Kind, obj, rev_id: int) -> Revision:
    rev = db.session.scalar(select(Revision).where(
        Revision.id == rev_id, Revision.object_type == kind.name, Revision.object_id == obj.id))
    if rev is None:
        abort(404)
    return rev


@bp.route("/c/<kind_name>/<int:ident>/diff/<int:rev_a>/<int:rev_b>")
@permission("content.view")
def content_diff(kind_name: str, ident: int, rev_a: int, rev_b: int):
    kind, obj = _with_revisions(kind_name, ident, trashed=True)
    a, b = _revision_or_404(kind, obj, rev_a), _revision_or_404(kind, obj, rev_b)
    # HtmlDiff escapes the text it shows; the result is safe to mark up.
    table = difflib.HtmlDiff(wrapcolumn=80).make_table(
        [a.title, ""] + a.body_md.splitlines(), [b.title, ""] + b.body_md.splitlines(),
        f"Revisi #{a.id}", f"Revisi #{b.id}", context=False)
    return render_template("admin/diff.html", kind=kind, obj=obj, a=a, b=b, table=table)


@bp.route("/c/<kind_name>/<int:ident>/revisions/<int:rev_id>/restore", methods=["POST"])
@permission("content.edit")
def content_restore_revision(kind_name: str, ident: int, rev_id: int):
    kind, obj = _with_revisions(kind_name, ident)
    rev = _revision_or_404(kind, obj, rev_id)
    obj.title, obj.body_md = rev.title, rev.body_md
    db.session.flush()
    add_revision(kind, obj)
    audit("restore_revision", f"{kind.name}:{obj.id} rev {rev.id}")
    touch_content()
    db.session.commit()
    flash(f"Revisi #{rev.id} dipulihkan.")
    return redirect(url_for(".content_edit", kind_name=kind.name, ident=obj.id))
