"""HTTP caching of public pages: a page cache, ETags/304, Cache-Control and gzip.

* Anonymous GET/HEAD responses of the public site and the portal are cached per
  (village, content version, language, path + query). The content version of a
  village is bumped automatically after any commit that touched one of its
  tenant-owned rows (see ``_collect``/``_bump``), so a publish, edit or
  settings change is visible at once on every worker and node: the version is a
  shared ``Generation`` (Redis key, or a file in the instance folder).
* ``ETag`` + ``Last-Modified`` with 304 answers; ``Cache-Control`` lets a proxy
  or CDN hold public pages briefly and never holds admin pages or anything
  served to a request carrying a session.
* Text responses are gzip-compressed when the client accepts it.
"""
from __future__ import annotations

import gzip
from datetime import datetime, timezone

from flask import Flask, current_app, g, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from tenants.scoping import TenantScoped, current_tenant_id

from .cache import Generation, make_store, tenant_key

CACHEABLE_BLUEPRINTS = {"public", "portal", "seo", "api", "portal_api"}
UNCACHED_ENDPOINTS = {"public.media", "health.healthz", "themes.static"}
PUBLIC_MAX_AGE = 60
COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/atom+xml",
                "application/rss+xml", "image/svg+xml", "application/javascript")
LANGUAGES = {"id", "en"}
#: Query parameters public pages understand. A request with any other parameter is
#: answered but not cached, so random query strings cannot flood the cache.
CACHEABLE_ARGS = {"halaman", "kategori", "tahun", "q", "lang", "kecamatan", "category", "jenis",
                  "status", "when", "year", "page", "per_page"}
PORTAL = 0  # version key of the regency portal (it aggregates every village)
ALL = -1  # epoch bumped by system-wide bulk changes: every village is stale


class PageCache:
    def __init__(self, app: Flask) -> None:
        self.enabled = app.config.get("PAGE_CACHE", True)
        self.store = make_store(app.config["REDIS_URL"])
        self._redis_url = app.config["REDIS_URL"]
        self._folder = app.instance_path
        self._versions: dict[int, Generation] = {}

    def version(self, tenant_id: int) -> Generation:
        gen = self._versions.get(tenant_id)
        if gen is None:
            gen = Generation(f"content-{tenant_id}", self._redis_url, f"{self._folder}/versions")
            if len(self._versions) > 100_000:
                self._versions.clear()
            self._versions[tenant_id] = gen
        return gen

    def key(self, tenant_id: int) -> str:
        lang = request.args.get("lang") or request.cookies.get("lang") or "id"
        lang = lang if lang in LANGUAGES else "id"
        path = request.full_path if request.query_string else request.path
        # The village's own version, the all-villages epoch (system-wide bulk changes)
        # and the registry generation (theme, status, name of a village) together.
        from tenants.resolver import get_resolver

        own, everyone = Generation.values([self.version(tenant_id), self.version(ALL)])
        version = f"{own}.{everyone}.{get_resolver().generation()}"
        return tenant_key(tenant_id, "page", version, lang, request.method == "HEAD", path)


def _cache() -> PageCache:
    return current_app.extensions["desa_pagecache"]


def _anonymous() -> bool:
    return not request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session"))


def _cacheable_request() -> bool:
    return (
        _cache().enabled
        and request.method in ("GET", "HEAD")
        and request.blueprint in CACHEABLE_BLUEPRINTS
        and request.endpoint not in UNCACHED_ENDPOINTS
        and _anonymous()
        and all(name in CACHEABLE_ARGS for name in request.args)
    )


def _site_id() -> int:
    tenant = g.get("tenant")
    return tenant.id if tenant is not None else PORTAL


def serve_from_cache():
    """Runs after the tenant hook: answer from the cache without touching the database."""
    if not _cacheable_request() or g.get("site") is None:
        return None
    key = _cache().key(_site_id())
    g.page_cache_key = key
    hit = _cache().store.get(key)
    if hit is None:
        return None
    status, headers, body = hit
    response = current_app.response_class(body, status=status, headers=headers)
    response.headers["X-Cache"] = "HIT"
    return response.make_conditional(request)


def finish_response(response):
    """Cache headers, ETag/304, page cache fill, gzip — in that order."""
    if request.blueprint in ("admin", "auth", "superadmin") or request.path.startswith("/admin"):
        response.headers["Cache-Control"] = "no-store"
        return _compress(response)
    if "Cache-Control" not in response.headers and response.status_code == 200:
        if _anonymous() and request.blueprint in CACHEABLE_BLUEPRINTS:
            response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        else:
            response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    key = g.pop("page_cache_key", None)
    if (
        key is not None
        and response.status_code == 200
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and response.headers.get("X-Cache") != "HIT"
    ):
        response.add_etag()
        response.last_modified = response.last_modified or datetime.now(timezone.utc)
        body = response.get_data()
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        _cache().store.set(key, (response.status_code, headers, body), ttl=3600)
        response.headers["X-Cache"] = "MISS"
        response = response.make_conditional(request)
    elif response.status_code == 200 and request.method in ("GET", "HEAD") \
            and not response.direct_passthrough and "ETag" not in response.headers:
        response.add_etag()
        response = response.make_conditional(request)
    return _compress(response)


def _compress(response):
    if (
        response.direct_passthrough
        or response.status_code < 200 or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
    ):
        return response
    data = response.get_data()
    if len(data) < 500:
        return response
    response.set_data(gzip.compress(data, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if response.headers.get("ETag"):
        etag, weak = response.get_etag()
        response.set_etag(etag + "-gz", weak)
    return response


# -- invalidation: any committed change to a village's rows bumps its version --
def _collect(session: Session, _ctx, _instances) -> None:
    touched = session.info.setdefault("content_tenants", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, TenantScoped) and obj.tenant_id is not None:
            touched.add(obj.tenant_id)


def _collect_bulk(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and any(
        issubclass(m.class_, TenantScoped) for m in state.all_mappers
    ):
        tenant = current_tenant_id()
        touched = state.session.info.setdefault("content_tenants", set())
        touched.add(tenant if tenant is not None else "*")


def _bump(session: Session) -> None:
    touched = session.info.pop("content_tenants", None)
    if not touched:
        return
    try:
        cache = _cache()
    except (RuntimeError, KeyError):
        return
    if "*" in touched:  # a system-wide bulk change: every village is stale
        touched.discard("*")
        cache.version(ALL).bump()
    for tenant_id in touched:
        cache.version(tenant_id).bump()
    cache.version(PORTAL).bump()


def _forget(session: Session, *_args) -> None:
    session.info.pop("content_tenants", None)


def invalidate_village(tenant_id: int) -> None:
    """For changes outside the ORM (settings of the Tenant row itself)."""
    _cache().version(tenant_id).bump()
    _cache().version(PORTAL).bump()


def init_app(app: Flask) -> None:
    app.extensions["desa_pagecache"] = PageCache(app)
    app.before_request(serve_from_cache)
    app.after_request(finish_response)
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "do_orm_execute", _collect_bulk)
        event.listen(Session, "after_commit", _bump)
        event.listen(Session, "after_soft_rollback", _forget)
