"""Read-only records for what every public page shows in bulk: lists and settings.

A village page shows a few columns of a few rows: the site settings in its header,
the latest posts, announcements and events on its home page. Read through the ORM,
each of those queries cost about three times the query itself: identity map,
instance state, and row processors and joined-load adapters rebuilt at every
execution (about 130 µs for four posts with their category and cover, against 40 µs
for the same rows as a plain Core statement). These readers run a Core statement and
hand the templates a ``Record`` per row.

The theme contract stays what it was: a record carries the model's column attributes
under the same names (``post.title``, ``settings.tagline``), and the relations a page
shows are nested records (``post.cover.alt``, ``post.category.name``) or a list of
records (``settings.menu``), ``None`` when there is none. What a record does not have
are model methods, properties and the relations it was not read with; the Markdown
body and its HTML stay in the database (``BODY``), as lists never show them.

Scoping is not done here: a Core statement on a tenant table is scoped to the current
village, and trashed rows are hidden, by ``tenants.scoping`` and the trash filter
(``app.models.base``), as every statement is. For an outer-joined relation both
conditions go in the join's ON clause, so a trashed cover reads as no cover.
"""
from __future__ import annotations

from sqlalchemy import cast, inspect, literal, null, select, union_all
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter

from app.extensions import db

#: Columns a list never shows: most of a row's bytes.
BODY = frozenset({"body_md", "body_html"})


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
                 omit: frozenset = BODY) -> None:
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


class RecordBatch:
    """Several lists read with one statement: each part's rows, in their own order
    and limit, as one UNION ALL, split back into one list of records per part.

    A page that shows three short lists (the home page: posts, announcements,
    events) otherwise runs three statements, and on PostgreSQL each is a round trip
    to the server (the uncached home page went from about 1.40 to 1.23 ms in-process;
    on SQLite, where a statement costs no trip, it is the same either way). Every part keeps its
    WHERE, ORDER BY and LIMIT inside its own subquery (so the database still does a
    top-N read per list) and its own columns in the union, NULL in the other parts'
    rows; the union is ordered by part, then by each part's ordering on its own
    columns, which the other parts' NULLs leave untouched. Scoping and the trash
    filter rewrite every SELECT of the statement, subqueries included, as for any
    other read.
    """

    def __init__(self, *parts: tuple[RecordReader, tuple, tuple, int | None]) -> None:
        """``parts``: (reader, where, order_by, limit) of each list; the ordering is
        written with the reader's ``columns`` (``columns.id.desc()``)."""
        widths = [len(reader._labelled) for reader, *_rest in parts]
        slots = [sum(widths[:i]) for i in range(len(parts))]
        self._parts = [(reader, 1 + slot, 1 + slot + width)
                       for (reader, *_rest), slot, width in zip(parts, slots, widths)]
        branches = []
        for index, (reader, where, order_by, limit) in enumerate(parts):
            if reader._collection is not None:
                raise ValueError("a part with a collection cannot be limited in a batch")
            inner = reader._select.where(*where).order_by(*order_by)
            inner = (inner.limit(limit) if limit is not None else inner).subquery()
            columns = [literal(index).label("part")]
            for other, (other_reader, *_rest) in enumerate(parts):
                for column in other_reader._labelled:  # unique names: p0_slug, p1_slug...
                    # typed NULLs: PostgreSQL matches each union column's type
                    value = inner.c[column.name] if other == index else \
                        cast(null(), column.type)
                    columns.append(value.label(f"p{other}_{column.name}"))
            branches.append(select(*columns))
        compound = union_all(*branches).subquery()
        ordering = [compound.c.part]
        for index, (reader, _where, order_by, _limit) in enumerate(parts):
            names = {column: f"p{index}_{key}" for key, column in reader._own_columns}
            ordering += [visitors.replacement_traverse(
                item, {}, lambda element, names=names: compound.c[names[element]]
                if element in names else None) for item in order_by]
        self.statement = select(compound).order_by(*ordering)

    def read(self) -> list[list[Record]]:
        rows: list[list] = [[] for _ in self._parts]
        for row in db.session.execute(self.statement):
            rows[row[0]].append(row)
        return [reader._records([row[start:end] for row in part_rows])
                for (reader, start, end), part_rows in zip(self._parts, rows)]
