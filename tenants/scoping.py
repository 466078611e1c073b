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

The current tenant lives in a ``ContextVar``; the request hook sets it for
the request's village, ``tenant_context(id)`` sets it for CLI work. The id is
read at each execution, never captured when a query is built, so a cached
compiled query can never carry a stale tenant.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator
from weakref import WeakKeyDictionary

from sqlalchemy import ForeignKey, Integer, bindparam, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column
from sqlalchemy.orm import with_loader_criteria

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


def tenant_tables() -> set:
    """The tables of every ``TenantScoped`` model (computed once all are mapped)."""
    global _tenant_tables
    if _tenant_tables is None:
        from sqlalchemy.orm import class_mapper

        found = set()
        stack = list(TenantScoped.__subclasses__())
        while stack:
            cls = stack.pop()
            stack.extend(cls.__subclasses__())
            if "__table__" in cls.__dict__:
                found.add(class_mapper(cls).local_table)
        _tenant_tables = found
    return _tenant_tables


class StatementRewrites:
    """What a ``do_orm_execute`` listener made of each statement, remembered.

    Public pages execute statements built once (``functools.cache`` in the query
    helpers). Rewriting such a statement at every execution (deciding whether it
    touches the table, adding the option) made a new statement object each time,
    and SQLAlchemy then recomputed its cache key: about a tenth of a millisecond
    per query. Remembering the rewritten object lets its memoised cache key be
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
    from sqlalchemy.sql import visitors

    tables = tenant_tables()
    return any(element in tables for element in visitors.iterate(state.statement))


_scoped_statements = StatementRewrites()


def _scope_execute(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if _system.get():
        return
    scoped = _scoped_statements.rewrite(
        state.statement,
        lambda statement: statement.options(_SCOPED_TO_CURRENT_TENANT)
        if _touches_tenant_data(state) else None,
    )
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
    if not event.contains(Session, "do_orm_execute", _scope_execute):
        event.listen(Session, "do_orm_execute", _scope_execute)
        event.listen(Session, "before_flush", _check_flush)
