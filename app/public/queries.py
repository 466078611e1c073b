"""Read helpers for the public site. They never filter by tenant: scoping does."""
from __future__ import annotations

from datetime import date
from functools import cache

from flask import abort, current_app, has_request_context, request
from sqlalchemy import Date, bindparam, func, or_, select
from sqlalchemy.orm import defer, joinedload

from app.extensions import db
from app.models import Announcement, Event, MenuItem, Post, SiteSettings

MAX_SLUG = 120


class Pagination:
    """A page of results plus what the template needs to link to neighbours."""

    def __init__(self, items, page: int, per_page: int, total: int) -> None:
        self.items, self.page, self.per_page, self.total = items, page, per_page, total
        self.pages = max(1, -(-total // per_page))
        self.has_prev = page > 1
        self.has_next = page < self.pages


def page_number() -> int:
    """``?halaman=N``: a clean 400 for something that is not a positive number."""
    raw = request.args.get("halaman", "1")
    if not raw.isdigit() or not 0 < int(raw) < 100_000:
        abort(400, description="Nomor halaman tidak valid.")
    return int(raw)


def paginate(statement, per_page: int | None = None) -> Pagination:
    per_page = per_page or current_app.config["POSTS_PER_PAGE"]
    page = page_number()
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    if page > 1 and (page - 1) * per_page >= total:
        abort(404)
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Pagination(items, page, per_page, total)


def valid_slug(slug: str) -> str:
    if len(slug) > MAX_SLUG:
        abort(404)
    return slug


def get_visible(model, slug: str):
    item = db.session.scalar(
        select(model).where(model.slug == valid_slug(slug), model.visible())
    )
    if item is None:
        abort(404)
    return item


def without_body(model) -> tuple:
    """Options for a list of posts, announcements or events. A list shows titles,
    dates and excerpts: the Markdown source and its HTML, most of a row's bytes, stay
    in the database until a detail page shows them."""
    return defer(model.body_md), defer(model.body_html)


# Statements are built once and reused (``functools.cache``): a statement object that
# is executed again keeps its SQLAlchemy cache key and its tenant-scoped rewrite
# (``tenants.scoping.StatementRewrites``), which saves about a tenth of a millisecond
# per query. Limits are part of the cached statement for the same reason.


@cache
def _site_settings():
    """Settings with what every page shows of them: logo, header image and menu."""
    return select(SiteSettings).options(
        joinedload(SiteSettings.logo), joinedload(SiteSettings.header),
        joinedload(SiteSettings.menu),
    )


_SETTINGS = "desa.site_settings"  # where a request keeps its settings


def site_settings() -> SiteSettings | None:
    """The village's settings, with its logo, header image and menu entries, in one
    query, once per request (the page layout and the view both ask). Remembered in
    the request itself, not in ``g``: an app context can outlive one request."""
    memo = request.environ if has_request_context() else {}
    if _SETTINGS not in memo:
        memo[_SETTINGS] = db.session.scalars(_site_settings()).unique().one_or_none()
    return memo[_SETTINGS]


@cache
def _menu_items():
    return select(MenuItem).order_by(MenuItem.position, MenuItem.id)


def menu_items() -> list[MenuItem]:
    """The operator's own menu entries, in their order: loaded with the settings, or
    on their own for a village that has not saved its settings yet."""
    settings = site_settings()
    if settings is not None:
        return settings.menu
    return db.session.scalars(_menu_items()).all()


@cache
def visible_posts():
    """Published posts, newest first, with the category and cover loaded in the same
    query (a list page must not issue one query per post). Built once: statements
    are immutable and ``visible()`` reads the clock at execution."""
    return (
        select(Post).where(Post.visible())
        .options(joinedload(Post.category), joinedload(Post.cover), *without_body(Post))
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


@cache
def _limited(statement, limit: int | None):
    return statement.limit(limit) if limit else statement


def latest_posts(limit: int = 5):
    return db.session.scalars(_limited(visible_posts(), limit)).unique().all()


def _today():
    return date.today()


@cache
def _current_announcements():
    today = bindparam("today", callable_=_today, type_=Date)
    return (
        select(Announcement).options(*without_body(Announcement))
        .where(Announcement.visible(),
               or_(Announcement.valid_until.is_(None), Announcement.valid_until >= today))
        .order_by(Announcement.published_at.desc(), Announcement.id.desc())
    )


def current_announcements(limit: int | None = None):
    return db.session.scalars(_limited(_current_announcements(), limit)).all()


@cache
def _upcoming_events():
    today = bindparam("today", callable_=_today, type_=Date)
    return (
        select(Event).options(*without_body(Event))
        .where(Event.visible(), Event.starts_on >= today)
        .order_by(Event.starts_on, Event.start_time)
    )


def upcoming_events(limit: int | None = None):
    return db.session.scalars(_limited(_upcoming_events(), limit)).all()
