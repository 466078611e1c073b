"""The one mechanism that scopes every tenant-owned query and write.

Views never filter by tenant themselves. Instead:

* ``TenantScoped`` marks a model as tenant-owned: it gets ``tenant_id``
  (NOT NULL, FK, indexed).
* A ``do_orm_execute`` listener adds ``with_loader_criteria(TenantScoped,
  tenant_id == <current>, include_aliases=True)`` to every ORM SELECT, UPDATE and
  DELETE, relationship and column loads included (SQLAlchemy's ``filter_public``
  recipe).
* A ``before_flush`` listener stamps the current tenant on new rows and
  refuses to insert, change or delete a row of another tenant.
* With no current tenant, touching tenant-owned data raises
  ``TenantScopeError`` — it never silently reads every village. System work
  (CLI, provisioning, cross-village reports) opts out explicitly with
  ``system_scope()``, the single named escape hatch.
* ``with_loader_criteria`` only knows mapped classes. A plain Core statement that
  names the *table* of a tenant-owned model (``Post.__table__``) reads it through a
  view of the village's rows instead (``core_filtered``: the table is replaced by
  ``(SELECT … FROM post WHERE tenant_id = <current>) AS post``, at any depth), and
  an UPDATE or DELETE of such a table gets the condition in its WHERE. What cannot
  be scoped is refused: a tenant table named inside an ORM statement, an INSERT
  outside the flush, an ORM bulk UPDATE by primary key, SQL text or ``table()``
  naming a tenant table, a FULL OUTER JOIN of one.

Only public SQLAlchemy API is used. The current tenant lives in a ``ContextVar``;
the request hook sets it for the request's village, ``tenant_context(id)`` for CLI
work. It is read at each execution and travels as a bound parameter, so a cached
compiled query never carries one village's id into another's.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Iterator
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnCollection, ForeignKey, Integer, Select, Table, bindparam, event
from sqlalchemy import select
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column
from sqlalchemy.orm import with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import (
    Alias, ColumnClause, Join, Subquery, TableClause, TextClause, UpdateBase,
)

_current_tenant: ContextVar[int | None] = ContextVar("current_tenant", default=None)
_system: ContextVar[bool] = ContextVar("tenant_system_scope", default=False)


class TenantScopeError(RuntimeError):
    """Tenant-owned data was touched without a tenant (or across tenants)."""


class TenantScoped:
    """Mixin for tenant-owned models."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), nullable=False, index=True)


def current_tenant_id() -> int | None:
    return _current_tenant.get()


def in_system_scope() -> bool:
    return _system.get()


def set_current_tenant(tenant_id: int | None):
    """Set the tenant for this context; returns a token for ``reset_current_tenant``."""
    return _current_tenant.set(tenant_id)


def reset_current_tenant(token) -> None:
    _current_tenant.reset(token)


@contextmanager
def tenant_context(tenant_id: int) -> Iterator[None]:
    """Work as one village (CLI commands, background jobs, tests)."""
    token = _current_tenant.set(tenant_id)
    system = _system.set(False)
    try:
        yield
    finally:
        _system.reset(system)
        _current_tenant.reset(token)


@contextmanager
def system_scope() -> Iterator[None]:
    """The named escape hatch: read or write across villages (provisioning, reports)."""
    token = _system.set(True)
    tenant = _current_tenant.set(None)
    try:
        yield
    finally:
        _current_tenant.reset(tenant)
        _system.reset(token)


_tenant_tables: set | None = None


def tables_of(mixin: type) -> set:
    """The tables of every mapped class that uses ``mixin``."""
    from sqlalchemy.orm import class_mapper

    found = set()
    stack = list(mixin.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "__table__" in cls.__dict__:
            found.add(class_mapper(cls).local_table)
    return found


def tenant_tables() -> set:
    """The tables of every ``TenantScoped`` model (computed once all are mapped)."""
    global _tenant_tables
    if _tenant_tables is None:
        _tenant_tables = tables_of(TenantScoped)
    return _tenant_tables


def _orm_made(element) -> bool:
    """Whether an element is the ORM's stand-in for a mapped class or attribute
    (``Post``, ``Post.id``, ``aliased(Post)``, a relationship's join condition): the ORM
    works on annotated copies, so such an element is not the object that its table or
    alias itself holds, and an ORM alias names its aliased class as its namespace."""
    if isinstance(element, Table):
        return element.metadata.tables.get(element.key) is not element
    if isinstance(element, Alias):
        return not isinstance(element.entity_namespace, ColumnCollection)
    return element.table.c.get(element.key) is not element


def _own_elements(statement):
    """The elements of one statement, not those of the SELECTs nested in it."""
    stack = list(statement.get_children())
    while stack:
        element = stack.pop()
        yield element
        if not isinstance(element, Select):
            stack.extend(element.get_children())


def _view_of(from_clause, tables: set):
    """The tenant table a FROM element reads directly: the table itself or an alias of
    it; None for anything else."""
    table = from_clause.element if isinstance(from_clause, Alias) else from_clause
    return table if isinstance(table, Table) and table in tables else None


class _Survey:
    """What a statement names, found by walking its expression tree (public
    ``visitors.iterate`` and ``get_children``)."""

    def __init__(self, statement, orm: bool) -> None:
        tables = tenant_tables()
        names = {t.name for t in tables}
        #: tenant tables the ORM criteria would not scope: in a Core statement all of
        #: them, in an ORM one those a SELECT names without an ORM element for them
        self.unscoped: set = set()
        #: whether an ORM element stands for a tenant table anywhere in the statement
        self.orm_reached = False
        #: whether tenant-owned data is read or written at all
        self.touches = False
        #: SQL text or a lightweight ``table()`` naming a tenant table
        self.opaque = False
        #: tenant tables in a FULL OUTER JOIN
        self.full_join: set = set()
        unmapped: set = set()
        for element in visitors.iterate(statement):
            if isinstance(element, Table):
                if element in tables:
                    self.touches = True
                    self.unscoped.add(element)
            elif isinstance(element, TableClause):
                if element.name in names:
                    self.opaque = True  # ``table("post", column("id"))``: no real columns
            elif isinstance(element, TextClause):
                self.opaque |= _names_a_table(element.text, names)
            elif isinstance(element, Join):
                if element.full:
                    self.full_join.update(leaf.name for leaf in _leaves(element)
                                          if _view_of(leaf, tables) is not None)
            elif orm and isinstance(element, (Select, UpdateBase)):
                for (table, _name), reached in _named_in(element, tables).items():
                    self.orm_reached |= reached
                    if not reached:
                        unmapped.add(table)
        if orm and self.orm_reached:
            self.unscoped = unmapped
def _named_in(statement, tables: set) -> dict:
    """For each tenant table one SELECT, UPDATE or DELETE of an ORM statement names
    (as itself, an alias, or their columns): whether an ORM element stands for it.
    Where none does (``Post.__table__``), the ORM criteria miss it."""
    named: dict = {}  # (table, name of the table or alias) -> whether the ORM stands for it
    for own in _own_elements(statement):
        if isinstance(own, (Table, Alias)):
            from_clause = own
        elif isinstance(own, ColumnClause) and isinstance(own.table, (Table, Alias)):
            from_clause = own.table
        else:
            continue
        table = _view_of(from_clause, tables)
        if table is None:
            continue
        key = (table, from_clause.name)
        if _orm_made(own):
            named[key] = True
        elif from_clause is own:
            named.setdefault(key, False)
    return named


def _names_a_table(sql: str, names: set) -> bool:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql.lower()))
    return not words.isdisjoint(names)


def _leaves(from_clause):
    """The tables and aliases a FROM clause joins."""
    if isinstance(from_clause, Join):
        yield from _leaves(from_clause.left)
        yield from _leaves(from_clause.right)
    else:
        yield from_clause


#: What each view read by ``core_filtered`` is made of: (table, name, conditions).
_view_parts: WeakKeyDictionary = WeakKeyDictionary()


@lru_cache(maxsize=1024)
def _view(table: Table, name: str, conditions: tuple, keys: tuple):
    """``(SELECT <keys> FROM table WHERE conditions) AS name``. Views are made once and
    shared: their conditions read what varies (the village) at execution, and
    building one costs more than running a small query. Only the columns the
    statement reads are listed, so the SQL names no column it does not use."""
    view = (select(*(table.c[key] for key in keys))
            .where(*(condition(table) for condition in conditions)).subquery(name))
    _view_parts[view] = (table, name, conditions, keys)
    return view


def _columns_read(statement, tables: set) -> dict:
    """(table, name of the table or alias) -> the keys of the columns a statement reads
    of each of ``tables``, named one by one or as a whole (``select(table)``)."""
    read: dict = {}
    for element in visitors.iterate(statement):
        if isinstance(element, ColumnClause):
            columns = (element,)
        elif isinstance(element, Select):
            columns = element.selected_columns
        else:
            continue
        for column in columns:
            owner = getattr(column, "table", None)
            if isinstance(owner, (Table, Alias)):
                table = _view_of(owner, tables)
                if table is not None:
                    read.setdefault((table, owner.name), set()).add(column.key)
    return read


def core_filtered(statement, tables: set, condition):
    """A copy of a plain Core statement that reads each of ``tables`` only where
    ``condition(table)`` holds: every FROM element that is such a table (or an alias
    of one), at any depth, is replaced by a view ``(SELECT … FROM table WHERE
    condition) AS <its name>``, and every column of it by the column of that view, so
    joins, outer joins, correlation and subqueries keep their meaning (SQLAlchemy's
    ``replacement_traverse``, made for replacing FROM elements). A view made by an
    earlier filter gets the condition added. The table an UPDATE or DELETE changes
    stays itself (columns of it anywhere in the statement mean the row being changed)
    and gets the condition in its WHERE. ``condition`` must read at execution what
    varies from one execution to the next (a bound parameter with a callable)."""
    target = statement.table if isinstance(statement, UpdateBase) else None
    read = _columns_read(statement, tables)

    def view(from_clause):
        parts = _view_parts.get(from_clause) if isinstance(from_clause, Subquery) else None
        if parts is not None:  # a view made earlier: kept whole, or with the condition
            table, name, conditions, keys = parts
            if table not in tables or condition in conditions:
                return from_clause
            return _view(table, name, conditions + (condition,), keys)
        table = _view_of(from_clause, tables) \
            if isinstance(from_clause, (Table, Alias)) else None
        if table is None:
            return None
        # by name: SQLAlchemy clones an alias as a statement is built, and copies of
        # one alias (its name) must become one view
        keys = read.get((table, from_clause.name)) or {c.key for c in table.primary_key}
        return _view(table, from_clause.name, (condition,), tuple(sorted(keys)))

    def replace(element):
        if element is target:
            return None
        if isinstance(element, ColumnClause):
            owner = element.table
            if owner is None or owner is target:
                return None
            found = view(owner)
            return found.c[element.key] if found is not None and found is not owner else None
        return view(element)

    filtered = visitors.replacement_traverse(statement, {}, replace)
    if target is not None and target in tables:
        filtered = filtered.where(condition(target))
    return filtered


def _refusal(state: ORMExecuteState, survey: _Survey) -> str | None:
    """Why a statement cannot be scoped, or None."""
    if survey.opaque:
        return ("SQL text or table() naming a tenant-owned table cannot be scoped; "
                "use the mapped class, or system_scope()")
    if survey.full_join:
        return (f"a FULL OUTER JOIN of {', '.join(sorted(survey.full_join))} is not "
                "scoped; use a LEFT OUTER JOIN, or system_scope()")
    if survey.unscoped and (survey.orm_reached or state.is_insert):
        return (f"the statement names the table {sorted(t.name for t in survey.unscoped)} "
                "of a tenant-owned model inside an ORM statement or an INSERT; use the "
                "mapped class (Post, not Post.__table__), or system_scope()")
    if state.is_orm_statement and (state.is_update or state.is_delete) and \
            isinstance(state.parameters, list) and _names_tenant_model(state):
        return ("an ORM bulk UPDATE by primary key (a list of rows) skips the village "
                "criteria; change the objects, use update(Model).where(...), or "
                "system_scope()")
    if state.is_insert and (survey.touches or _names_tenant_model(state)):
        return ("INSERT statements into a tenant-owned table bypass the village stamp; "
                "add objects to the session instead, or use system_scope()")
    return None


def _names_tenant_model(state: ORMExecuteState) -> bool:
    return any(issubclass(m.class_, TenantScoped) for m in state.all_mappers)


def _scoped_to(tenant_id: int):
    """The ORM option that limits every tenant-owned entity, aliases included, to one
    village; the id is a bound parameter of the compiled statement."""
    return with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id,
                                include_aliases=True)


def _of_current_tenant(table):
    """The Core condition: the village is read from the context at each execution."""
    return table.c.tenant_id == bindparam("current_tenant_id", callable_=_current_tenant.get,
                                          type_=Integer)


def _refuse_without_tenant() -> None:
    raise TenantScopeError("tenant-owned data queried without a current tenant; "
                           "use tenant_context() or system_scope()")


def _scope_execute(state: ORMExecuteState) -> None:
    statement = state.statement
    text = isinstance(statement, TextClause)
    if _system.get() or not (text or state.is_select or state.is_update or state.is_delete
                             or state.is_insert):
        return
    tenant_id = _current_tenant.get()
    if state.is_relationship_load or state.is_column_load:
        # built by SQLAlchemy itself from mapped classes
        if _names_tenant_model(state):
            if tenant_id is None:
                _refuse_without_tenant()
            state.statement = statement.options(_scoped_to(tenant_id))
        return
    survey = _Survey(statement, state.is_orm_statement)
    refusal = _refusal(state, survey)
    if refusal is not None:
        raise TenantScopeError(refusal)
    if not (survey.touches or _names_tenant_model(state)):
        return
    if tenant_id is None:
        _refuse_without_tenant()
    if survey.orm_reached or not survey.unscoped:
        state.statement = statement.options(_scoped_to(tenant_id))
    else:
        # plain Core: only plain tables (SQLAlchemy may flag such a statement ORM)
        state.statement = core_filtered(statement, tenant_tables(), _of_current_tenant)


def _check_flush(session: Session, _ctx, _instances) -> None:
    if _system.get():
        return
    tenant_id = _current_tenant.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if tenant_id is None:
            raise TenantScopeError(f"cannot create {type(obj).__name__} without a current tenant")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantScopeError(f"cannot create {type(obj).__name__} for another village")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and obj.tenant_id != tenant_id:
            raise TenantScopeError(f"cannot change {type(obj).__name__} of another village")


def install(app=None) -> None:
    """Attach the listeners to every SQLAlchemy Session (idempotent)."""
    global _tenant_tables
    _tenant_tables = None  # recomputed on first use, once every model is mapped
    if not event.contains(Session, "do_orm_execute", _scope_execute):
        event.listen(Session, "do_orm_execute", _scope_execute)
        event.listen(Session, "before_flush", _check_flush)
