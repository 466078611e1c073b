"""The search index: one ``SearchEntry`` per searchable item, kept in step with the
content by the ORM, read by ``app.search``.

What is stored is independent of visibility: title, plain-text body and date of
every post, page, announcement, event and document, drafts and trashed items
included. Whether a citizen may see an item is decided at query time by joining
back to the item with ``Model.visible()`` (and the trash filter), so a scheduled
post becomes searchable the moment it is due and nothing needs reindexing when
an item is published, unpublished, trashed or restored.

The engine structures live beside the table and are created by migration
``0006_search`` only (never by ``metadata.create_all``):

* SQLite: ``search_fts``, an FTS5 external-content table over ``search_entry``
  kept in sync by three triggers;
* PostgreSQL: ``search_entry.search_vector`` (``tsvector``, title weight A,
  body weight B, configuration ``simple``) with a GIN index. It is written by
  this module from the same words the query side uses (``words()``), so the two
  engines split text the same way whatever the server's locale.

Maintenance:

* ``_index_flush`` (``after_flush``): new or changed items are rewritten,
  deleted items removed, through Core statements on the flush's connection;
* ``_note_bulk_delete``/``_drop_orphans``: after an ORM ``DELETE`` statement
  (the trash purge) the entries of rows that no longer exist are dropped before
  the commit;
* ``rebuild()``: the whole index or one village's part (migration, and
  ``flask search reindex``).

Bulk ``UPDATE`` statements are not followed; the only ones in the application
change the status, which the index does not hold.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, Callable, Iterable

from markupsafe import Markup
from sqlalchemy import (
    DateTime, Integer, String, Text, UniqueConstraint, bindparam, column, delete, event,
    exists, func, literal_column, select, table,
)
from sqlalchemy.engine import Connection
from sqlalchemy import inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from tenants.scoping import TenantScoped

from .media import Document
from .notices import Announcement, Event
from .pages import Page
from .posts import Post

#: Indexed plain text is cut here (a PostgreSQL tsvector is limited to 1 MB).
MAX_BODY = 100_000
#: The words both engines index and search: runs of letters and digits.
WORD = re.compile(r"[^\W_]+")

FTS_TABLE = "search_fts"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_search_entry_search_vector"


class SearchEntry(TenantScoped, db.Model):
    """The searchable text of one item of a village. Written by this module only
    (``_index_flush``, ``rebuild``): on PostgreSQL a row added any other way has an
    empty ``search_vector``."""

    __tablename__ = "search_entry"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "ref_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def plain(html: str | None) -> str:
    return Markup(html or "").striptags()


def fold(text: str) -> str:
    """Lowercase without diacritics ("Kafé" -> "kafe"), as FTS5's ``unicode61
    remove_diacritics 2`` tokenizer sees text."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str | None) -> str:
    """The indexed words of ``text`` for PostgreSQL, separated by single spaces: its
    parser then sees nothing but plain words, whatever the server's locale (it would
    otherwise keep "laporan.pdf" or "desa@tuban.id" as one token)."""
    return " ".join(WORD.findall(fold(text or "")))


@dataclass(frozen=True)
class Source:
    """One indexed model: its kind, the columns the entry is made of, and how."""

    kind: str
    model: type
    columns: tuple[str, ...]
    text: Callable[[Any], str]


SOURCES: tuple[Source, ...] = (
    Source("berita", Post, ("title", "excerpt", "body_html", "published_at"),
           lambda o: (o.excerpt + " " if o.excerpt else "") + plain(o.body_html)),
    Source("halaman", Page, ("title", "body_html", "published_at"),
           lambda o: plain(o.body_html)),
    Source("pengumuman", Announcement, ("title", "body_html", "published_at"),
           lambda o: plain(o.body_html)),
    Source("agenda", Event, ("title", "location", "body_html", "published_at"),
           lambda o: (o.location + ". " if o.location else "") + plain(o.body_html)),
    Source("dokumen", Document, ("title", "description", "published_at"),
           lambda o: o.description or ""),
)
BY_KIND = {s.kind: s for s in SOURCES}
BY_MODEL = {s.model: s for s in SOURCES}


def entry_of(source: Source, item: Any) -> dict:
    """The entry of an ORM object or a Core row (both have the columns as attributes)."""
    return dict(tenant_id=item.tenant_id, kind=source.kind, ref_id=item.id,
                title=(item.title or "")[:200], body=source.text(item)[:MAX_BODY],
                published_at=item.published_at)


# -- writing ----------------------------------------------------------------------
# Written with Core on the caller's connection: the indexer is machinery below the
# ORM (the rows it writes come from objects the tenant checks have already passed).
_entries = table(
    "search_entry", column("id", Integer), column("tenant_id", Integer),
    column("kind", String), column("ref_id", Integer), column("title", String),
    column("body", Text), column("published_at", DateTime(timezone=True)),
    column(VECTOR_COLUMN),
)


def _vector():
    """PostgreSQL: the weighted tsvector of the bound ``title_words``/``body_words``."""
    simple = literal_column("'simple'::regconfig")
    title = func.setweight(func.to_tsvector(simple, bindparam("title_words")),
                           literal_column("'A'"))
    body = func.setweight(func.to_tsvector(simple, bindparam("body_words")),
                          literal_column("'B'"))
    return title.op("||")(body)


def _write(conn: Connection, entries: list[dict]) -> None:
    if not entries:
        return
    statement = _entries.insert()
    if conn.dialect.name == "postgresql":
        statement = statement.values(**{VECTOR_COLUMN: _vector()})
        entries = [dict(e, title_words=words(e["title"]), body_words=words(e["body"]))
                   for e in entries]
    for batch in _batches(entries, 500):
        conn.execute(statement, batch)


def _forget(conn: Connection, kind: str, ref_ids: Iterable[int]) -> None:
    # ``ref_id`` is the item's primary key, unique across villages: a stale entry
    # left under a reused SQLite rowid is removed as well.
    for batch in _batches(sorted(set(ref_ids)), 500):
        conn.execute(delete(_entries).where(_entries.c.kind == kind,
                                            _entries.c.ref_id.in_(batch)))


def _batches(items: list, size: int):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _changed(obj: Any, source: Source) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in source.columns)


def _index_flush(session: Session, _flush_context) -> None:
    """Rewrite the entries of the indexed objects this flush inserted, changed or deleted.
    (In ``after_flush`` the session still shows its pre-flush new/dirty/deleted sets.)"""
    written: dict[Source, list] = {}
    removed: dict[Source, list] = {}
    for obj in session.new:
        if (source := BY_MODEL.get(type(obj))) is not None:
            written.setdefault(source, []).append(obj)
    for obj in session.dirty:
        source = BY_MODEL.get(type(obj))
        if source is not None and obj not in session.deleted and _changed(obj, source):
            written.setdefault(source, []).append(obj)
    for obj in session.deleted:
        if (source := BY_MODEL.get(type(obj))) is not None:
            identity = inspect(obj).identity
            if identity:
                removed.setdefault(source, []).append(identity[0])
    if not written and not removed:
        return
    conn = session.connection()
    for source, ids in removed.items():
        _forget(conn, source.kind, ids)
    entries = []
    for source, objects in written.items():
        _forget(conn, source.kind, [o.id for o in objects])
        entries.extend(entry_of(source, o) for o in objects)
    _write(conn, entries)


def _note_bulk_delete(state) -> None:
    """An ORM ``DELETE`` statement (the trash purge) names no objects: remember the
    kind, and drop the entries whose item no longer exists before the commit."""
    if state.is_delete and state.bind_mapper is not None:
        source = BY_MODEL.get(state.bind_mapper.class_)
        if source is not None:
            state.session.info.setdefault("search_orphans", set()).add(source)


def _drop_orphans(session: Session) -> None:
    for source in session.info.pop("search_orphans", ()):
        items = source.model.__table__
        orphan = ~exists().where(items.c.id == _entries.c.ref_id)
        session.connection().execute(
            delete(_entries).where(_entries.c.kind == source.kind, orphan))


def _forget_orphans(session: Session, *_args) -> None:
    session.info.pop("search_orphans", None)


def rebuild(conn: Connection, tenant_id: int | None = None) -> int:
    """Rebuild the index of one village (or of all of them) from the content tables.
    Core only, so that the migration can use it; returns the number of entries."""
    clear = delete(_entries)
    if tenant_id is not None:
        clear = clear.where(_entries.c.tenant_id == tenant_id)
    conn.execute(clear)
    total = 0
    for source in SOURCES:
        items = source.model.__table__
        query = select(items.c.id, items.c.tenant_id,
                       *(items.c[name] for name in source.columns)).order_by(items.c.id)
        if tenant_id is not None:
            query = query.where(items.c.tenant_id == tenant_id)
        for rows in conn.execute(query).partitions(500):
            entries = [entry_of(source, row) for row in rows]
            _write(conn, entries)
            total += len(entries)
    return total


def install() -> None:
    if not event.contains(Session, "after_flush", _index_flush):
        event.listen(Session, "after_flush", _index_flush)
        event.listen(Session, "do_orm_execute", _note_bulk_delete)
        event.listen(Session, "before_commit", _drop_orphans)
        event.listen(Session, "after_soft_rollback", _forget_orphans)


install()


# -- autogenerate -------------------------------------------------------------------
def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object`` (given to Flask-Migrate in ``app.create_app``).

    Autogenerate knows only the models: the FTS5 table (and its shadow tables) and
    the tsvector column with its index belong to migration 0006. Leaving them out of
    the comparison keeps ``flask db migrate`` from proposing to drop them, and the
    models-vs-migrations test clean."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return not (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
    if type_ == "column":
        return not (name == VECTOR_COLUMN and obj.table.name == "search_entry")
    if type_ == "index":
        return name != VECTOR_INDEX
    return True
