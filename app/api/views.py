"""Endpoints of the public JSON API."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, g, jsonify, request, url_for
from sqlalchemy import func, select

from app.extensions import db
from app.models import Announcement, BudgetLine, Document, Event, Post
from app.portal import portal_regency
from app.seo import site_url
from tenants.models import STATUS_ACTIVE, Domain, Tenant
from tenants.routing import public_host
from tenants.scoping import system_scope

from . import bp, portal_bp

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
CACHE_SECONDS = 300


def _after(response):
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    if response.status_code == 200 and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


bp.after_request(_after)
portal_bp.after_request(_after)


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        abort(400, description=f"Parameter {name} tidak valid.")
    return int(raw)


def paged(statement, serialise):
    page = _int("page", 1, 1, 100_000)
    per_page = _int("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    items = [serialise(*row) if len(row) > 1 else serialise(row[0]) for row in rows]
    pages = max(1, -(-total // per_page))

    def link(n):
        args = dict(request.args.items())
        args.update(page=n, per_page=per_page)
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    return jsonify(
        data=items,
        meta=dict(page=page, per_page=per_page, total=total, pages=pages),
        links=dict(self=link(page), next=link(page + 1) if page < pages else None,
                   prev=link(page - 1) if page > 1 else None),
    )


def _dt(value):
    return value.isoformat() if value is not None else None


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def _body_html(item) -> str:
    """The stored HTML with its addresses absolute on the village's host: a client of
    the API does not read it on the village's pages."""
    from app.markdown import absolute_urls

    return absolute_urls(item.body_html or "", site_url(""))


def post_json(post, full: bool = False) -> dict:
    data = dict(id=post.id, slug=post.slug, title=post.title, excerpt=post.excerpt,
                published_at=_dt(post.published_at), updated_at=_dt(post.updated_at),
                category=post.category.name if post.category else None,
                tags=[t.name for t in post.tags], author=post.author_name or None,
                url=site_url(f"/berita/{post.slug}"))
    if full:
        data["body_html"] = _body_html(post)
    return data


def announcement_json(item, full: bool = False) -> dict:
    data = dict(id=item.id, slug=item.slug, title=item.title,
                published_at=_dt(item.published_at), valid_until=_dt(item.valid_until),
                url=site_url(f"/pengumuman/{item.slug}"))
    if full:
        data["body_html"] = _body_html(item)
    return data


def event_json(item, full: bool = False) -> dict:
    data = dict(id=item.id, slug=item.slug, title=item.title, starts_on=_dt(item.starts_on),
                start_time=item.start_time.strftime("%H:%M") if item.start_time else None,
                end_time=item.end_time.strftime("%H:%M") if item.end_time else None,
                location=item.location or None, url=site_url(f"/agenda/{item.slug}"))
    if full:
        data["body_html"] = _body_html(item)
    return data


def document_json(doc, full: bool = False) -> dict:
    from app.public.views import media_url

    return dict(id=doc.id, slug=doc.slug, title=doc.title, category=doc.category, year=doc.year,
                description=doc.description or None,
                file_url=site_url(media_url(doc.file)) if doc.file else None,
                file_size=doc.file.size if doc.file else None)


def budget_json(line) -> dict:
    return dict(id=line.id, year=line.year, section=line.section, code=line.code or None,
                name=line.name, planned=_money(line.planned), realised=_money(line.realised))


def _one(model, item_id: int, serialise):
    item = db.session.scalar(select(model).where(model.id == item_id, model.visible()))
    if item is None:
        abort(404)
    return jsonify(data=serialise(item, True))


# -- village endpoints ------------------------------------------------------------
@bp.route("/desa")
def village():
    t = g.tenant
    return jsonify(data=dict(code=t.code, name=t.name, display_name=t.display_name, slug=t.slug,
                             kind=t.kind, kecamatan=t.kecamatan_name, regency=t.regency_name,
                             url=site_url("/")))


@bp.route("/posts")
def posts():
    statement = select(Post).where(Post.visible()).order_by(Post.published_at.desc(), Post.id.desc())
    return paged(statement, post_json)


@bp.route("/posts/<int:item_id>")
def post(item_id: int):
    return _one(Post, item_id, post_json)


@bp.route("/announcements")
def announcements():
    statement = (select(Announcement).where(Announcement.visible())
                 .order_by(Announcement.published_at.desc(), Announcement.id.desc()))
    return paged(statement, announcement_json)


@bp.route("/announcements/<int:item_id>")
def announcement(item_id: int):
    return _one(Announcement, item_id, announcement_json)


@bp.route("/agenda")
def agenda():
    from datetime import date

    when = request.args.get("when", "all")
    statement = select(Event).where(Event.visible())
    if when == "upcoming":
        statement = statement.where(Event.starts_on >= date.today()).order_by(Event.starts_on)
    elif when == "past":
        statement = statement.where(Event.starts_on < date.today()).order_by(Event.starts_on.desc())
    elif when == "all":
        statement = statement.order_by(Event.starts_on.desc())
    else:
        abort(400, description="Parameter when tidak valid.")
    return paged(statement, event_json)


@bp.route("/agenda/<int:item_id>")
def event(item_id: int):
    return _one(Event, item_id, event_json)


@bp.route("/documents")
def documents():
    from app.models import DOCUMENT_CATEGORIES

    statement = select(Document).where(Document.visible())
    category = request.args.get("category")
    if category:
        if category not in DOCUMENT_CATEGORIES:
            abort(400, description="Kategori tidak dikenal.")
        statement = statement.where(Document.category == category)
    if request.args.get("year"):
        statement = statement.where(Document.year == _int("year", 0, 1900, 2200))
    return paged(statement.order_by(Document.year.desc(), Document.title, Document.id), document_json)


@bp.route("/documents/<int:item_id>")
def document(item_id: int):
    return _one(Document, item_id, document_json)


@bp.route("/apbdes")
def apbdes():
    statement = select(BudgetLine)
    if request.args.get("year"):
        statement = statement.where(BudgetLine.year == _int("year", 0, 1900, 2200))
    statement = statement.order_by(BudgetLine.year.desc(), BudgetLine.section,
                                   BudgetLine.position, BudgetLine.code, BudgetLine.id)
    return paged(statement, budget_json)


# -- portal endpoints ---------------------------------------------------------------
def village_json(tenant, hostname) -> dict:
    return dict(code=tenant.code, slug=tenant.slug, name=tenant.name,
                display_name=tenant.display_name, kind=tenant.kind,
                kecamatan=tenant.kecamatan_name, kecamatan_code=tenant.kecamatan_code,
                status=tenant.status,
                content_updated_at=_dt(tenant.content_updated_at),
                url=f"{request.scheme}://{public_host(hostname)}/",
                api=f"{request.scheme}://{public_host(hostname)}/api/v1/")


@portal_bp.route("/desa")
def villages():
    statement = (select(Tenant, Domain.hostname)
                 .join(Domain, (Domain.tenant_id == Tenant.id) & Domain.is_primary)
                 .order_by(Tenant.kecamatan_code, Tenant.name, Tenant.id))
    regency = portal_regency()
    if regency:
        statement = statement.where(Tenant.regency_code == regency)
    kecamatan = request.args.get("kecamatan", "").strip()
    if kecamatan:
        statement = statement.where(func.lower(Tenant.kecamatan_name) == kecamatan.lower()[:80])
    if request.args.get("status") == "active":
        statement = statement.where(Tenant.status == STATUS_ACTIVE)
    with system_scope():
        return paged(statement, village_json)
