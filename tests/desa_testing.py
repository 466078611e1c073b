"""Helpers shared by the test modules (a uniquely named module: tests/ is not a
package, and ``conftest`` is ambiguous once sub-folders have their own)."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select

from app.extensions import db
from tenants.models import Tenant
from tenants.scoping import system_scope

BASE = "tubankab.go.id"


def village(slug: str) -> Tenant:
    """The Tenant row of a village (call inside an app context)."""
    with system_scope():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    assert tenant is not None, slug
    return tenant


@contextmanager
def count_queries(app):
    """The SQL statements the app runs inside the block (query budgets)."""
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def page_cache_off(app):
    """Requests inside render their page (the page cache as with ``PAGE_CACHE=0``)."""
    cache = app.extensions["desa_pagecache"]
    cache.enabled = False
    try:
        yield
    finally:
        cache.enabled = True


def host(slug: str) -> str:
    return f"{slug}.{BASE}"


class VillageClient:
    """A test client bound to one village host: ``vc.get('/berita')``."""

    def __init__(self, client, slug: str) -> None:
        self.client, self.slug, self.host = client, slug, host(slug)

    def __getattr__(self, method):
        call = getattr(self.client, method)

        def bound(path="/", **kwargs):
            kwargs.setdefault("headers", {})
            kwargs["headers"].setdefault("Host", self.host)
            return call(path, **kwargs)

        return bound
