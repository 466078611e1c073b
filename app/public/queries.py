"""Read helpers for the public site. They never filter by tenant: scoping does."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, has_request_context, request
from sqlalchemy import Date, Integer, bindparam, func, or_, select
from sqlalchemy.orm import defer, joinedload

from app.extensions import db
from app.fastpaths import built_once
from app.models import Announcement, Event, MenuItem, Post, SiteSettings
from tenants.routing import request_state

from .records import Record, RecordBatch, RecordReader

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


@built_once
def _count_and_page(statement) -> tuple:
    """The count statement and the page statement (LIMIT and OFFSET as parameters)
    of a list statement."""
    return (select(func.count()).select_from(statement.order_by(None).subquery()),
            statement.limit(bindparam("page_limit", type_=Integer))
            .offset(bindparam("page_offset", type_=Integer)))


def paginate(statement, per_page: int | None = None, params: dict | None = None) -> Pagination:
    """One page of ``statement`` (``?halaman=N``), with its neighbours; ``params`` are
    the statement's own parameters."""
    per_page = per_page or current_app.config["POSTS_PER_PAGE"]
    page = page_number()
    count, paged = _count_and_page(statement)
    params = params or {}
    total = db.session.scalar(count, params)
    if page > 1 and (page - 1) * per_page >= total:
        abort(404)
    items = db.session.scalars(paged, {**params, "page_limit": per_page,
                                       "page_offset": (page - 1) * per_page}).unique().all()
    return Pagination(items, page, per_page, total)


def valid_slug(slug: str) -> str:
    if len(slug) > MAX_SLUG:
        abort(404)
    return slug


def _shown_with(model) -> tuple:
    """What a detail page shows of an item besides its own columns, loaded in the same
    statement: a post's category, cover and tags (otherwise two or three lazy loads,
    each a query of its own)."""
    if model is Post:
        return joinedload(Post.category), joinedload(Post.cover), joinedload(Post.tags)
    return ()


@built_once
def _visible_by_slug(model):
    """Built once per model, the slug a parameter: a statement executed again keeps
    its SQLAlchemy cache key and its scoped rewrite (``tenants.scoping``); one built
    per request is rewritten at every execution."""
    return (select(model).where(model.slug == bindparam("slug"), model.visible())
            .options(*_shown_with(model)))


def get_visible(model, slug: str):
    """The published item with this slug, or a 404."""
    item = db.session.scalars(_visible_by_slug(model),
                              {"slug": valid_slug(slug)}).unique().one_or_none()
    if item is None:
        abort(404)
    return item


@built_once
def _by_slug(model):
    return select(model).where(model.slug == bindparam("slug"))


def get_by_slug(model, slug: str):
    """The row with this slug (a category, a tag: they have no publication state), or
    a 404."""
    found = db.session.scalar(_by_slug(model), {"slug": valid_slug(slug)})
    if found is None:
        abort(404)
    return found


def without_body(model) -> tuple:
    """Options for a list of posts, announcements or events. A list shows titles,
    dates and excerpts: the Markdown source and its HTML, most of a row's bytes, stay
    in the database until a detail page shows them."""
    return defer(model.body_md), defer(model.body_html)


# Statements are built once and reused while the fast paths are on (``built_once``).


# What every village page shows around its content: the settings with their logo and
# header image, and the operator's menu entries in their order. Read on their own as
# one statement (settings joined to their menu), or as two parts of the home page's
# batch (``home_lists``).
_SETTINGS_RELATIONS = ("logo", "header")


@built_once
def _frame_reader() -> RecordReader:
    return RecordReader(SiteSettings, relations=_SETTINGS_RELATIONS, collection="menu")


@built_once
def _frame_statement():
    return _frame_reader().statement()


@built_once
def _settings_part() -> tuple:
    return RecordReader(SiteSettings, relations=_SETTINGS_RELATIONS), (), (), 1


@built_once
def _menu_part() -> tuple:
    reader = RecordReader(MenuItem)
    # the order of the relationship ``SiteSettings.menu``, on the reader's own table
    order = [reader.columns[column.key] for column in SiteSettings.menu.property.order_by]
    return reader, (), tuple(order), None


@built_once
def _menu_statement():
    reader, _where, order, _limit = _menu_part()
    return reader.statement(order_by=order)


def _keep_frame(settings: Record | None, menu: list[Record]) -> tuple:
    if settings is not None:
        settings.menu = menu  # ``settings.menu``, as themes know it
    frame = (settings, menu)
    if has_request_context():
        request_state().frame = frame
    return frame


def _page_frame() -> tuple:
    """The settings and the menu of this request, read once (the layout and the view
    both ask)."""
    if has_request_context() and request_state().frame is not None:
        return request_state().frame
    found = _frame_reader().read(_frame_statement())
    if found:
        return _keep_frame(found[0], found[0].menu)
    # never saved: the menu entries may exist all the same
    return _keep_frame(None, _menu_part()[0].read(_menu_statement()))


def without_page_frame() -> None:
    """This request's page goes without the settings and the menu: an error page after
    the database failed (asking it again would only fail again, or wait as long)."""
    _keep_frame(None, [])


def site_settings() -> Record | None:
    """The village's settings (a ``Record``, None if never saved), with its logo,
    header image and menu entries (``settings.menu``)."""
    return _page_frame()[0]


def menu_items() -> list[Record]:
    """The operator's own menu entries, in their order (also for a village that has
    not saved its settings yet)."""
    return _page_frame()[1]


@built_once
def visible_posts():
    """Published posts, newest first, with the category and cover loaded in the same
    query (a list page must not issue one query per post). Built once: statements
    are immutable and ``visible()`` reads the clock at execution."""
    return (
        select(Post).where(Post.visible())
        .options(joinedload(Post.category), joinedload(Post.cover), *without_body(Post))
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


def _today():
    return date.today()


#: Today's date, read at each execution (statements are built once).
TODAY = bindparam("today", callable_=_today, type_=Date)


# Each list shown as records, defined once: its reader, its conditions and its order.
# A single list reads it with a limit of its own; the home page reads three at once.
@built_once
def _posts_listed() -> tuple:
    reader = RecordReader(Post, relations=("category", "cover"))
    columns = reader.columns
    return reader, (Post.visible(core=True),), (columns.published_at.desc(), columns.id.desc())


@built_once
def _announcements_listed() -> tuple:
    reader = RecordReader(Announcement)
    columns = reader.columns
    return (reader,
            (Announcement.visible(core=True),
             or_(columns.valid_until.is_(None), columns.valid_until >= TODAY)),
            (columns.published_at.desc(), columns.id.desc()))


@built_once
def _events_listed() -> tuple:
    reader = RecordReader(Event)
    columns = reader.columns
    return (reader, (Event.visible(core=True), columns.starts_on >= TODAY),
            (columns.starts_on, columns.start_time))


@built_once
def _listed_statement(listed, limit: int | None):
    reader, where, order_by = listed()
    return reader.statement(*where, order_by=order_by, limit=limit)


def _read(listed, limit: int | None) -> list[Record]:
    return listed()[0].read(_listed_statement(listed, limit))


def latest_posts(limit: int = 5) -> list[Record]:
    """The newest published posts, with category and cover, as records."""
    return _read(_posts_listed, limit)


def current_announcements(limit: int | None = None) -> list[Record]:
    """Announcements still valid today, newest first, as records."""
    return _read(_announcements_listed, limit)


def upcoming_events(limit: int | None = None) -> list[Record]:
    """Events from today on, soonest first, as records."""
    return _read(_events_listed, limit)


@built_once
def _home_lists() -> RecordBatch:
    return RecordBatch(_settings_part(), _menu_part(), (*_posts_listed(), 4),
                       (*_announcements_listed(), 3), (*_events_listed(), 3))


def home_lists() -> tuple[list[Record], list[Record], list[Record]]:
    """The home page's latest posts, current announcements and upcoming events, read
    in one statement with the settings and the menu (see ``RecordBatch``): the whole
    page is one query."""
    settings, menu, *lists = _home_lists().read()
    if request_state().frame is None:  # what ``_page_frame`` would read
        _keep_frame(settings[0] if settings else None, menu)
    return tuple(lists)
