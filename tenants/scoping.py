"""The one mechanism that scopes every tenant-owned query and write.

Views never filter by tenant themselves. Instead:

* ``TenantScoped`` marks a model as tenant-owned: it gets ``tenant_id``
  (NOT NULL, FK, indexed).
* A ``do_orm_execute`` listener adds ``with_loader_criteria(TenantScoped,
  tenant_id == <current>)`` to every ORM SELECT, UPDATE and DELETE, including
  relationship and column loads, and aliases.
* A ``before_flush`` listener stamps the current tenant on new rows and
  refuses to insert, change or delete a row of another tenant.
* With no current tenant, touching tenant-owned data raises
  ``TenantScopeError`` — it never silently reads every village. System work
  (CLI, provisioning, cross-village reports) opts out explicitly with
  ``system_scope()``, the single named escape hatch.
* ``with_loader_criteria`` only knows mapped classes. A statement that names the
  *table* of a tenant-owned model (``Post.__table__``) is handled apart
  (``core_scoped``): a plain Core statement gets ``tenant_id = <current>`` in the
  WHERE of every SELECT, UPDATE and DELETE that reads such a table, in the ON
  clause where the table is outer-joined; what cannot be scoped that way is
  refused (a table named inside an ORM statement, a FULL OUTER JOIN, an INSERT
  outside the flush, raw SQL text naming a tenant table).

The current tenant lives in a ``ContextVar``; the request hook sets it for
the request's village, ``tenant_context(id)`` sets it for CLI work. The id is
read at each execution, never captured when a query is built, so a cached
compiled query can never carry a stale tenant.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator
from weakref import WeakKeyDictionary

from sqlalchemy import ForeignKey, Insert, Integer, Select, Table, and_, bindparam, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column
from sqlalchemy.orm import with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.expression import Alias, ColumnClause, Join, TableClause, TextClause

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


class StatementRewrites:
    """What was made of each statement object, remembered weakly: the rewrites of the
    ``do_orm_execute`` listeners here and in ``app.models.base``, and the count and
    page statements of ``app.public.queries.paginate``.

    Public pages execute statements built once (``functools.cache`` in the query
    helpers). Rewriting such a statement at every execution (deciding whether it
    touches the table, adding the option) made a new statement object each time,
    and SQLAlchemy then recomputed its cache key for every query. Remembering the rewritten object lets its memoised cache key be
    reused. Keys are held weakly, so statements built per request do not pile up.
    """

    _UNSEEN = object()

    def __init__(self) -> None:
        self._memo: WeakKeyDictionary = WeakKeyDictionary()

    def rewrite(self, statement, build):
        """``build(statement)`` (a new statement, or None for "leave it"), computed
        once per statement object."""
        try:
            found = self._memo.get(statement, self._UNSEEN)
        except TypeError:  # a statement type that cannot be weakly referenced
            return build(statement)
        if found is self._UNSEEN:
            found = self._memo[statement] = build(statement)
        return found


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    """True when any tenant-owned table appears anywhere in the statement, including
    subqueries of Core statements (``select(func.count()).select_from(subquery)``)."""
    if any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
        return True
    tables = tenant_tables()
    return any(element in tables for element in visitors.iterate(state.statement))


def _mapped_table(element):
    """The table of the mapped class an annotated element (``Post``, ``Post.id``,
    ``aliased(Post)``) stands for; None for a plain Core element."""
    mapper = getattr(element, "_annotations", {}).get("parentmapper")
    return mapper.local_table if mapper is not None else None


def _own_elements(select):
    """The elements of one SELECT, not those of the SELECTs nested in it."""
    stack = list(select.get_children())
    while stack:
        element = stack.pop()
        yield element
        if not isinstance(element, Select):
            stack.extend(element.get_children())


def _unscoped_tables(statement) -> tuple[set, bool]:
    """The tenant tables that ``with_loader_criteria`` would not scope: in a plain Core
    statement, every tenant table it names; in an ORM statement, those that a SELECT
    (at any depth) or an UPDATE/DELETE names as plain tables without naming their
    mapped class itself. Also whether SQL text or a lightweight ``table()`` names a
    tenant table (nothing can scope those).

    Walks the expression tree only: asking SQLAlchemy for a SELECT's FROM list would
    compile it, about ten times the cost of running the query."""
    tables = tenant_tables()
    names = {t.name for t in tables}
    orm = statement._propagate_attrs.get("compile_state_plugin") == "orm"
    unscoped: set = set()
    opaque = False
    for element in visitors.iterate(statement):
        if isinstance(element, Table):
            if not orm and element in tables:
                unscoped.add(element)
        elif orm and isinstance(element, (Select, UpdateBase)):
            plain, mapped, plain_aliases, mapped_froms = set(), set(), [], set()
            for own in _own_elements(element):
                table = _mapped_table(own)
                if table is not None:
                    mapped.add(table)
                    if isinstance(own, Alias):
                        mapped_froms.add(own)
                elif isinstance(own, Table) and own in tables:
                    plain.add(own)
                elif isinstance(own, Alias) and own.element in tables:
                    plain_aliases.append(own)
            unscoped |= plain - mapped
            # ``aliased(Post)`` shows up both annotated and plain (an annotated element
            # hashes and compares like its plain self); an alias the ORM never saw is not
            unscoped.update(a.element for a in plain_aliases if a not in mapped_froms)
        elif isinstance(element, TableClause) and element.name in names:
            opaque = True  # ``table("post", column("id"))``: no real columns to scope by
        elif isinstance(element, TextClause) and _names_a_table(element.text, names):
            opaque = True
    return unscoped, opaque


def _names_a_table(sql: str, names: set) -> bool:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql.lower()))
    return not words.isdisjoint(names)


def _leaves(from_clause, nullable: bool = False):
    """(table or alias, may-be-NULL-extended) for each leaf of a FROM clause."""
    if isinstance(from_clause, Join):
        yield from _leaves(from_clause.left, nullable or from_clause.full)
        yield from _leaves(from_clause.right, nullable or from_clause.isouter)
    else:
        yield from_clause, nullable


def core_filtered(statement, tables: set, condition, what: str):
    """A copy of a plain Core statement in which every SELECT, UPDATE and DELETE, at
    any depth (subqueries, CTEs, EXISTS), reads each of ``tables`` (or an alias of
    one) only where ``condition(table_or_alias)`` holds. An outer-joined table is
    filtered in its ON clause: in the WHERE the condition would drop the rows the
    outer join keeps. ``what`` names the rule in the error for the one thing that
    cannot be filtered, a FULL OUTER JOIN of such a table."""

    def conditions_for(leaf) -> list:
        table = leaf.element if isinstance(leaf, Alias) else leaf
        return [condition(leaf)] if isinstance(table, Table) and table in tables else []

    def on_join(join: Join) -> None:
        if join.full:
            filtered = sorted(leaf.name for leaf, _ in _leaves(join) if conditions_for(leaf))
            if filtered:
                raise TenantScopeError(
                    f"{what}: a FULL OUTER JOIN of {', '.join(filtered)} cannot be filtered; "
                    "use a LEFT OUTER JOIN, or system_scope()")
        if join.isouter:
            conditions = [c for leaf, _ in _leaves(join.right) for c in conditions_for(leaf)]
            if conditions:
                join.onclause = and_(join.onclause, *conditions)

    def on_where(element) -> None:
        if isinstance(element, Select):
            froms = element.get_final_froms()
        else:  # UPDATE / DELETE: the target, and the tables its WHERE names (UPDATE … FROM)
            froms = {element.table} | {e.table for e in _own_elements(element)
                                       if isinstance(e, ColumnClause) and e.table is not None}
        conditions = [c for f in froms for leaf, nullable in _leaves(f) if not nullable
                      for c in conditions_for(leaf)]
        if conditions:
            element._where_criteria += tuple(conditions)

    return visitors.cloned_traverse(statement, {}, {
        "join": on_join, "select": on_where, "update": on_where, "delete": on_where,
    })


def core_scoped(statement):
    """A plain Core statement reading its tenant tables only for the current tenant.
    The parameter is read at execution, like the ORM criterion."""
    if isinstance(statement, Insert):
        raise TenantScopeError(
            "INSERT into a tenant-owned table must go through the session (add and "
            "flush stamps the village), or run in system_scope()")
    return core_filtered(statement, tenant_tables(),
                         lambda table: table.c.tenant_id == _tenant_parameter(),
                         "the tenant scoping")


_scoped_statements = StatementRewrites()


#: What a statement of a given shape needs; decided once per shape (its SQLAlchemy
#: cache key, which leaves out parameter values), since walking the expression tree
#: costs more than running a simple query and pages build some statements per request.
_LEAVE, _ORM_CRITERIA, _CORE_CRITERIA = "leave", "orm", "core"
_decisions: dict = {}
_DECISIONS_KEPT = 4096


def _decide(state: ORMExecuteState, statement) -> str:
    """``_LEAVE``, ``_ORM_CRITERIA``, ``_CORE_CRITERIA``, or the reason it is refused
    (any other string)."""
    named, opaque = _unscoped_tables(statement)
    if opaque:
        return ("SQL text or table() naming a tenant-owned table cannot be scoped; "
                "use the mapped class, or system_scope()")
    orm = statement._propagate_attrs.get("compile_state_plugin") == "orm"
    if named and (orm or state.is_insert):
        return (f"the statement names the table {sorted(t.name for t in named)} of a "
                "tenant-owned model inside an ORM statement or an INSERT; use the mapped "
                "class (Post, not Post.__table__), or system_scope()")
    if named:
        return _CORE_CRITERIA
    if state.is_insert:
        if any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
            return ("INSERT statements into a tenant-owned model bypass the village stamp; "
                    "add objects to the session instead, or use system_scope()")
        return _LEAVE
    return _ORM_CRITERIA if _touches_tenant_data(state) else _LEAVE


def _decision(state: ORMExecuteState, statement) -> str:
    cache_key = statement._generate_cache_key()
    if cache_key is None:  # a statement SQLAlchemy itself does not cache
        return _decide(state, statement)
    found = _decisions.get(cache_key.key)
    if found is None:
        found = _decide(state, statement)
        if len(_decisions) >= _DECISIONS_KEPT:
            _decisions.clear()
        _decisions[cache_key.key] = found
    return found


def _rewrite(state: ORMExecuteState, statement):
    """The scoped form of a statement, or None when it touches no tenant data."""
    if state.is_relationship_load or state.is_column_load:
        # built by SQLAlchemy itself from mapped classes
        return statement.options(_SCOPED_TO_CURRENT_TENANT) if _touches_tenant_data(state) \
            else None
    decision = _decision(state, statement)
    if decision is _LEAVE:
        return None
    if decision is _ORM_CRITERIA:
        return statement.options(_SCOPED_TO_CURRENT_TENANT)
    if decision is _CORE_CRITERIA:
        return core_scoped(statement)
    raise TenantScopeError(decision)


def _scope_execute(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert
            or isinstance(state.statement, TextClause)):
        return
    if _system.get():
        return
    if state.is_update and isinstance(state.parameters, list) and any(
            issubclass(m.class_, TenantScoped) for m in state.all_mappers):
        # SQLAlchemy's bulk UPDATE by primary key (a list of rows) takes no WHERE
        # criteria: it would change another village's rows
        raise TenantScopeError("bulk UPDATE by primary key of tenant-owned rows is refused; "
                               "load the rows, or use update().where(...)")
    scoped = _scoped_statements.rewrite(state.statement, lambda s: _rewrite(state, s))
    if scoped is None:
        return
    if _current_tenant.get() is None:
        raise TenantScopeError(
            "tenant-owned data queried without a current tenant; "
            "use tenant_context() or system_scope()"
        )
    state.statement = scoped


def _tenant_parameter():
    return bindparam("current_tenant_id", callable_=_current_tenant.get, type_=Integer)


#: One option object for every query: its criterion compares ``tenant_id`` with a
#: bound parameter whose value is read from the ContextVar at each execution, so the
#: compiled-statement cache can never carry one village's id into another's query.
_SCOPED_TO_CURRENT_TENANT = with_loader_criteria(
    TenantScoped,
    lambda cls: cls.tenant_id == _tenant_parameter(),
    include_aliases=True,
)


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
    _decisions.clear()
    if not event.contains(Session, "do_orm_execute", _scope_execute):
        event.listen(Session, "do_orm_execute", _scope_execute)
        event.listen(Session, "before_flush", _check_flush)
