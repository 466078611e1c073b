"""Shared building blocks of tenant-owned content models."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import (
    DateTime, ForeignKey, Index, Integer, Numeric, String, Table, Text, TypeDecorator, and_,
    bindparam, event, or_, text,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column
from sqlalchemy.orm import with_loader_criteria
from sqlalchemy.sql import visitors

from tenants.scoping import StatementRewrites, TenantScoped, core_filtered, tables_of

DRAFT = "draft"
PUBLISHED = "published"
SCHEDULED = "scheduled"
STATES = (DRAFT, PUBLISHED, SCHEDULED)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def live_rows_index(name: str, *columns: str) -> Index:
    """An index of the rows outside the trash, for the lists (a partial index: lists
    never show trashed rows, and the trash filter writes this very condition)."""
    outside_trash = text("deleted_at IS NULL")
    return Index(name, *columns, sqlite_where=outside_trash, postgresql_where=outside_trash)


class FiniteNumeric(TypeDecorator):
    """``NUMERIC(precision, scale)`` that takes and gives only numbers it can hold.

    Writing infinity, NaN or a number beyond the precision fails (every form and
    import checks with ``app.validation`` first; this is the last line). Reading a
    value stored before that check (SQLite keeps ``inf`` or the text ``Infinity``
    in any column) gives ``fallback`` instead, so one bad row cannot break a public
    page; migration ``0014_markdown_finite_numbers`` clears such rows."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int, fallback: Decimal | None = None):
        super().__init__(precision, scale)
        self.fallback = fallback

    def _fits(self, number: Decimal) -> bool:
        return number.is_finite() and (
            not number or number.adjusted() < self.impl_instance.precision
            - self.impl_instance.scale)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if not self._fits(number):
            raise ValueError(f"{value!r} does not fit NUMERIC("
                             f"{self.impl_instance.precision}, {self.impl_instance.scale})")
        return number

    def result_processor(self, dialect, coltype):
        to_decimal = self.impl_instance.result_processor(dialect, coltype)

        def process(value):
            if value is None:
                return None
            try:
                number = to_decimal(value) if to_decimal else value
                number = number if isinstance(number, Decimal) else Decimal(str(number))
            except (TypeError, ValueError, ArithmeticError, InvalidOperation):
                return self.fallback
            return number if self._fits(number) else self.fallback

        return process


class Owned(TenantScoped):
    """Tenant-owned row with timestamps."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Versioned:
    """Optimistic locking: a stale save raises ``StaleDataError`` instead of overwriting."""

    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805
        return {"version_id_col": cls.version_id}


class Trashable:
    """Deleted items go to a trash (``deleted_at``) and are hidden from every query
    unless the statement asks for them with ``execution_options(include_trashed=True)``."""

    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    @property
    def is_trashed(self) -> bool:
        return self.deleted_at is not None


class MarkdownBody:
    """Markdown source plus its sanitised HTML. The HTML is rendered from the source
    before each flush that changes it (``app.bodies``), never per view."""

    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")


class Publishable:
    """Draft / published / scheduled, with the moment it went (or goes) public."""

    status: Mapped[str] = mapped_column(String(10), default=DRAFT, index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:  # noqa: N805
        """The operator who created it: a kontributor may work on its own drafts only."""
        return mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @classmethod
    def visible(cls, now: datetime | None = None, *, core: bool = False):
        """SQL condition: what citizens may see now (scheduled items once due).

        Without ``now`` the moment is a bound parameter evaluated at each execution,
        so the condition is built once per model and reused by every request.
        ``core=True`` writes it on the table's columns, for a plain Core statement
        (``app.public.records``): an ORM attribute would make the statement an ORM one.
        """
        columns = cls.__table__.c if core else cls
        if now is not None:
            return or_(columns.status == PUBLISHED,
                       and_(columns.status == SCHEDULED, columns.published_at <= now))
        condition = _VISIBLE.get((cls, core))
        if condition is None:
            moment = bindparam("visible_now", callable_=utcnow, type_=DateTime(timezone=True))
            condition = _VISIBLE[(cls, core)] = or_(
                columns.status == PUBLISHED,
                and_(columns.status == SCHEDULED, columns.published_at <= moment),
            )
        return condition

    @property
    def is_visible(self) -> bool:
        if self.status == PUBLISHED:
            return True
        if self.status == SCHEDULED and self.published_at is not None:
            published = self.published_at
            if published.tzinfo is None:
                published = published.replace(tzinfo=timezone.utc)
            return published <= utcnow()
        return False


_VISIBLE: dict[tuple[type, bool], object] = {}
#: Built once: the criterion has no per-request value, so one option object serves all.
_NOT_TRASHED = with_loader_criteria(Trashable, lambda cls: cls.deleted_at.is_(None),
                                    include_aliases=True)


_trash_hidden = StatementRewrites()
_trashable_tables: set | None = None


def trashable_tables() -> set:
    """The tables of every ``Trashable`` model (computed once all are mapped)."""
    global _trashable_tables
    if _trashable_tables is None:
        _trashable_tables = tables_of(Trashable)
    return _trashable_tables


def _without_trash(state: ORMExecuteState, statement):
    """The statement with trashed rows filtered out, or None when it reads no
    trashable model. ``with_loader_criteria`` knows mapped classes; a plain Core
    statement on their tables gets the same condition through ``core_filtered``."""
    if statement._propagate_attrs.get("compile_state_plugin") == "orm":
        return statement.options(_NOT_TRASHED) \
            if any(issubclass(m.class_, Trashable) for m in state.all_mappers) else None
    tables = trashable_tables()
    if any(isinstance(e, Table) and e in tables for e in visitors.iterate(statement)):
        return core_filtered(statement, tables, lambda table: table.c.deleted_at.is_(None),
                             "the trash filter")
    return None


def _hide_trashed(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update) or state.execution_options.get(
        "include_trashed", False
    ):
        return
    hidden = _trash_hidden.rewrite(state.statement,
                                   lambda statement: _without_trash(state, statement))
    if hidden is not None:
        state.statement = hidden


def install() -> None:
    global _trashable_tables
    _trashable_tables = None  # recomputed on first use, once every model is mapped
    if not event.contains(Session, "do_orm_execute", _hide_trashed):
        event.listen(Session, "do_orm_execute", _hide_trashed)
