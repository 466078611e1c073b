"""Endpoints of the public JSON API."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from urllib.parse import urlencode

from flask import abort, g, jsonify, request
from sqlalchemy import func, select

from app.extensions import db
from app.models import Announcement, BudgetLine, Document, Event, Post
from app.portal import portal_regency
from app.seo import site_url
from tenants.models import STATUS_ACTIVE, Domain, Tenant
from tenants.routing import village_url
from tenants.scoping import system_scope

from . import bp, portal_bp

# The bounds docs/openapi.yaml states; tests/citizen/test_api_contract.py holds the two
# to each other.
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 100_000
YEARS = (1900, 2200)
#: Ids are 32-bit columns: a larger number names nothing.
MAX_ID = 2**31 - 1
VILLAGE_STATUSES = ("active",)
AGENDA_WHEN = ("all", "upcoming", "past")
CACHE_SECONDS = 300
DIGITS = re.compile(r"[0-9]{1,10}")


def _after(response):
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    if response.status_code == 200 and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


bp.after_request(_after)
portal_bp.after_request(_after)


def _invalid(name: str):
    abort(400, description=f"Parameter {name} tidak valid.")


def _int(name: str, default: int | None, low: int, high: int) -> int | None:
    """An integer query parameter within its documented bounds; absent: ``default``."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        _invalid(name)
    return int(raw)


def _choice(name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
    """A query parameter from the schema's enum; absent: ``default``."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw not in choices:
        _invalid(name)
    return raw


def _paging() -> tuple[int, int]:
    return (_int("page", 1, 1, MAX_PAGE), _int("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE))


def paged(statement, serialise):
    page, per_page = _paging()
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    items = [serialise(*row) if len(row) > 1 else serialise(row[0]) for row in rows]
    pages = max(1, -(-total // per_page))

    def link(n):
        # the query as the client sent it, with the page changed: its names and values
        # are only ever encoded into the address, never read as options of our own
        args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "per_page")]
        return f"{request.path}?{urlencode(args + [('page', n), ('per_page', per_page)])}"

    return jsonify(
        data=items,
        meta=dict(page=page, per_page=per_page, total=total, pages=pages),
        links=dict(self=link(page), next=link(page + 1) if page < pages else None,
                   prev=link(page - 1) if page > 1 else None),
    )


def _dt(value: datetime | date | None) -> str | None:
    """RFC 3339: a moment with its offset (stored in UTC; SQLite gives it back without
    one), a day as ``YYYY-MM-DD``."""
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


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
    if not 1 <= item_id <= MAX_ID:
        abort(404)
    item = db.session.scalar(select(model).where(model.id == item_id, model.visible()))
    if item is None:
        abort(404)
    return jsonify(data=serialise(item, True))


# -- village endpoints ------------------------------------------------------------
@bp.route("/desa")
def village():
    # the portal's list parameters, checked here too: one contract for both hosts
    _paging()
    _choice("status", VILLAGE_STATUSES)
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
    when = _choice("when", AGENDA_WHEN, "all")
    statement = select(Event).where(Event.visible())
    if when == "upcoming":
        statement = statement.where(Event.starts_on >= date.today()).order_by(Event.starts_on)
    elif when == "past":
        statement = statement.where(Event.starts_on < date.today()).order_by(Event.starts_on.desc())
    else:
        statement = statement.order_by(Event.starts_on.desc())
    return paged(statement, event_json)


@bp.route("/agenda/<int:item_id>")
def event(item_id: int):
    return _one(Event, item_id, event_json)


@bp.route("/documents")
def documents():
    from app.models import DOCUMENT_CATEGORIES

    statement = select(Document).where(Document.visible())
    category = _choice("category", tuple(DOCUMENT_CATEGORIES))
    if category:
        statement = statement.where(Document.category == category)
    year = _int("year", None, *YEARS)
    if year is not None:
        statement = statement.where(Document.year == year)
    return paged(statement.order_by(Document.year.desc(), Document.title, Document.id), document_json)


@bp.route("/documents/<int:item_id>")
def document(item_id: int):
    return _one(Document, item_id, document_json)


@bp.route("/apbdes")
def apbdes():
    statement = select(BudgetLine)
    year = _int("year", None, *YEARS)
    if year is not None:
        statement = statement.where(BudgetLine.year == year)
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
                url=village_url(hostname), api=village_url(hostname, "/api/v1/"))


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
    if _choice("status", VILLAGE_STATUSES) == "active":
        statement = statement.where(Tenant.status == STATUS_ACTIVE)
    with system_scope():
        return paged(statement, village_json)
