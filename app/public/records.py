"""Read-only records for what every public page shows in bulk: lists and settings.

A village page shows a few columns of a few rows: the site settings in its header,
the latest posts, announcements and events on its home page. Read through the ORM,
each of those queries cost several times the query itself: identity map,
instance state, and row processors and joined-load adapters rebuilt at every
execution. These readers run a Core statement and
hand the templates a ``Record`` per row.

The theme contract: a record carries the model's column attributes under the same
names (``post.title``, ``settings.tagline``), and the relations a page shows are nested
records (``post.cover.alt``, ``post.category.name``) or a list of records
(``settings.menu``), ``None`` when there is none. What a record does not have are model
methods, properties, the relations it was not read with, and the columns in
``OMITTED``: the Markdown body and its HTML, which lists never show, and the
bookkeeping columns.

Scoping is not done here: a Core statement on a tenant table is scoped to the current
village, and trashed rows are hidden, by ``tenants.scoping`` and the trash filter
(``app.models.base``), as every statement is. For an outer-joined relation both
conditions go in the join's ON clause, so a trashed cover reads as no cover.
"""
from __future__ import annotations

from sqlalchemy import (
    Integer, String, Text, Unicode, UnicodeText, case, cast, inspect, literal_column, null,
    select, union_all,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter

from app.extensions import db

#: Columns a record leaves out: the Markdown body and its HTML (most of a row's bytes,
#: and lists never show them), and the bookkeeping that reads the same in every
#: record (the village: the current one; the trash mark: never set in what is read;
#: the edit counter of the admin's conflict check).
OMITTED = frozenset({"body_md", "body_html", "tenant_id", "deleted_at", "version_id"})


class Record:
    """One row, read-only in spirit: its values as attributes, like a model object."""

    def __init__(self, values: dict) -> None:
        self.__dict__.update(values)

    def __eq__(self, other) -> bool:
        return isinstance(other, Record) and self.__dict__ == other.__dict__

    __hash__ = None  # values, not identities

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items()
                          if not isinstance(v, (Record, list)))
        return f"<Record {shown}>"


def _columns(mapper, omit=frozenset()) -> list[tuple[str, object]]:
    """(attribute name, table column) of a mapper's plain columns, minus ``omit``."""
    return [(attr.key, attr.columns[0]) for attr in mapper.column_attrs
            if attr.key not in omit and len(attr.columns) == 1]


class RecordReader:
    """Reads ``model`` rows as records, with many-to-one ``relations`` as nested
    records and at most one one-to-many ``collection`` as a list of records.

    The joins come from the model's own relationships (their join condition and, for
    the collection, their ``order_by``), each on an alias named after the relation,
    so two relations to one table (a logo and a header image) do not collide.
    """

    def __init__(self, model, relations: tuple[str, ...] = (), collection: str | None = None,
                 omit: frozenset = OMITTED) -> None:
        mapper = inspect(model)
        self.table = mapper.local_table
        own = _columns(mapper, omit)
        self._own_columns = own  # (attribute name, column); a row starts with them
        labelled = [column.label(key) for key, column in own]
        self._labelled = labelled
        self._pk = [i for i, (_key, column) in enumerate(own) if column.primary_key]
        joined = self.table
        self._relations: list[tuple[str, list[tuple[str, int]], int]] = []
        self._collection: tuple | None = None
        self._collection_order: list = []
        for name in (*relations, *((collection,) if collection else ())):
            prop = mapper.relationships[name]
            target = prop.mapper.local_table.alias(name)
            adapt = ClauseAdapter(target).traverse
            joined = joined.outerjoin(target, adapt(prop.primaryjoin))
            fields = []
            for key, column in _columns(prop.mapper, omit):
                fields.append((key, len(labelled)))
                labelled.append(target.c[column.key].label(f"{name}__{key}"))
            ident = next(i for (key, i) in fields if key == prop.mapper.primary_key[0].key)
            if name == collection:
                self._collection = (name, fields, ident)
                self._collection_order = [adapt(c) for c in (prop.order_by or ())]
            else:
                self._relations.append((name, fields, ident))
        self._select = select(*labelled).select_from(joined)

    @property
    def columns(self):
        """The model table's columns, to write conditions and orderings with."""
        return self.table.c

    def statement(self, *where, order_by=(), limit: int | None = None):
        """The reading statement: build it once and keep it (statements are
        immutable; a kept one keeps its compiled form and its scoped rewrite)."""
        if limit is not None and self._collection is not None:
            raise ValueError("a LIMIT would cut the collection's rows, not the records")
        statement = self._select.where(*where).order_by(*order_by, *self._collection_order)
        return statement.limit(limit) if limit is not None else statement

    def read(self, statement) -> list[Record]:
        return self._records(db.session.execute(statement).all())

    def _records(self, rows) -> list[Record]:
        if self._collection is None:
            return [self._record(row) for row in rows]
        records: dict[tuple, Record] = {}
        name, fields, ident = self._collection
        for row in rows:
            key = tuple(row[i] for i in self._pk)
            record = records.get(key)
            if record is None:
                record = records[key] = self._record(row)
                setattr(record, name, [])
            if row[ident] is not None:
                getattr(record, name).append(Record({k: row[i] for k, i in fields}))
        return list(records.values())

    def _record(self, row) -> Record:
        values = {key: row[i] for i, (key, _column) in enumerate(self._own_columns)}
        for name, fields, ident in self._relations:
            values[name] = Record({k: row[i] for k, i in fields}) \
                if row[ident] is not None else None
        return Record(values)


#: String types whose length does not change what a value reads as: one union column
#: serves a VARCHAR(120) of one list and a VARCHAR(200) of another.
_PLAIN_STRINGS = (String, Text, Unicode, UnicodeText)


def _kind(column) -> str:
    """Columns of one kind can share a union column: the database gives them one type
    and SQLAlchemy reads them the same way (its result processing is the first
    branch's, so a JSON or a timezone-aware column never shares with another kind)."""
    sql_type = column.type
    return type(sql_type).__name__ if type(sql_type) in _PLAIN_STRINGS else repr(sql_type)


class RecordBatch:
    """Several lists read with one statement: each part's rows, in their own order
    and limit, as one UNION ALL, split back into one list of records per part.

    A page that shows several short lists (the home page: the settings, the menu, the
    latest posts, announcements and events) otherwise runs a statement for each, and on PostgreSQL each is a round trip to the server that shares the cores.
    Every part keeps its WHERE, ORDER BY and LIMIT inside its own subquery (so the
    database still does a top-N read per list). The parts share the union's columns:
    a part's columns go, in order, to the first columns of their kind (``_kind``) that
    part has not used yet, and a part leaves the rest NULL, so the union is as wide as
    the widest part rather than all of them together (half the columns on the home
    page, each a description psycopg builds and a value SQLAlchemy processes per row).
    The union is ordered by part, then by each part's own ordering, applied to that
    part's rows only (``CASE WHEN part = n``: another part has other values in those
    columns). Scoping and the trash filter rewrite every SELECT of the statement,
    subqueries included, as for any other read.
    """

    def __init__(self, *parts: tuple[RecordReader, tuple, tuple, int | None]) -> None:
        """``parts``: (reader, where, order_by, limit) of each list; the ordering is
        written with the reader's ``columns`` (``columns.id.desc()``)."""
        kinds: list[str] = []  # of each union column after "part"
        types: list = []
        placed: list[list[int]] = []  # each part: its columns' union positions
        for reader, *_rest in parts:
            if reader._collection is not None:
                raise ValueError("a part is one list: its reader cannot have a collection")
            free = {}  # kind -> union columns of that kind this part has not used
            positions = []
            for column in reader._labelled:
                kind = _kind(column)
                if kind not in free:
                    free[kind] = iter([i for i, k in enumerate(kinds) if k == kind])
                position = next(free[kind], None)
                if position is None:
                    position = len(kinds)
                    kinds.append(kind)
                    types.append(column.type)
                positions.append(position)
            placed.append(positions)

        branches = []
        for index, ((reader, where, order_by, limit), positions) in enumerate(
                zip(parts, placed)):
            inner = reader._select.where(*where)
            if limit is not None:  # an ordering matters in a subquery only with a limit
                inner = inner.order_by(*order_by).limit(limit)
            inner = inner.subquery()
            # The first branch gives each union column its type (PostgreSQL resolves a
            # union's types from its typed branches; SQLAlchemy reads the result with
            # the first branch's types): NULLs typed there, plain NULLs in the others.
            values = [cast(null(), sql_type) if index == 0 else null() for sql_type in types]
            for column, position in zip(reader._labelled, positions):
                values[position] = inner.c[column.name]
            branches.append(select(literal_column(str(index), Integer).label("part"),
                                   *(value.label(f"c{i}") for i, value in enumerate(values))))
        compound = union_all(*branches).subquery()

        ordering = [compound.c.part]
        for index, ((reader, _where, order_by, _limit), positions) in enumerate(
                zip(parts, placed)):
            mine = compound.c.part == literal_column(str(index), Integer)
            union_column = {label.element: compound.c[f"c{position}"]
                            for label, position in zip(reader._labelled, positions)}
            ordering += [visitors.replacement_traverse(
                item, {}, lambda element, found=union_column, mine=mine:
                case((mine, found[element])) if element in found else None)
                for item in order_by]
        self.statement = select(compound).order_by(*ordering)
        # a row's values of each part, in its reader's order (after "part": 1 + ...)
        self._parts = [(reader, [1 + position for position in positions])
                       for (reader, *_rest), positions in zip(parts, placed)]

    def read(self) -> list[list[Record]]:
        rows: list[list] = [[] for _ in self._parts]
        for row in db.session.execute(self.statement):
            rows[row[0]].append(row)
        return [reader._records([[row[i] for i in positions] for row in part_rows])
                for (reader, positions), part_rows in zip(self._parts, rows)]
