"""HTTP caching of public pages: a page cache, ETags/304, Cache-Control and gzip.

* Anonymous GET/HEAD responses of the public site and the portal are cached per
  (village, content version, language, path + query). The content version of a
  village is bumped automatically after any commit that touched one of its
  tenant-owned rows (see ``_collect``/``_bump``), so a publish, edit or
  settings change is visible at once on every worker and node: the version is a
  shared ``Generation`` (Redis key, or a file in the instance folder).
* A page is stored once, when Flask renders it (``finish_response``), as a
  ``CachedPage`` with its final headers and both encodings (plain and gzip)
  prepared. Hits are answered by ``PageCacheMiddleware`` at the WSGI level,
  before Flask builds a request context, opens a session or runs any hook:
  that is what brings a cached village page close to a bare hello world. The
  middleware only answers what it can answer exactly as the app would (a
  known live village on its primary host, no session, no language switch to
  remember); everything else goes to Flask, which has the same cache as a
  fallback.
* ``ETag`` + ``Last-Modified`` with 304 answers; ``Cache-Control`` lets a proxy
  or CDN hold public pages briefly and never holds admin pages or anything
  served to a request carrying a session.
* Text responses are gzip-compressed when the client accepts it.
"""
from __future__ import annotations

import gzip
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from urllib.parse import parse_qsl

from flask import Flask, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.http import is_resource_modified, parse_cookie, quote_etag, remove_entity_headers

from tenants.resolver import NotResolvedHere, get_resolver
from tenants.routing import (
    PORTAL as PORTAL_SITE, VILLAGE, HostRules, Links, decide, request_state, request_target,
    site_decision,
)
from tenants.scoping import TenantScoped, current_tenant_id

from .cache import Generation, MemoryStore, RedisLink, make_store, tenant_key
from .i18n import LANG_COOKIE, LANGUAGES, language_of
from .platform import PUBLIC_BLUEPRINTS

UNCACHED_ENDPOINTS = {"public.media", "health.healthz", "themes.static"}
PUBLIC_MAX_AGE = 60
COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/atom+xml",
                "application/rss+xml", "image/svg+xml", "application/javascript")
MIN_COMPRESS = 500
#: Query parameters public pages understand. A request with any other parameter is
#: answered but not cached, so random query strings cannot flood the cache.
CACHEABLE_ARGS = {"halaman", "kategori", "tahun", "q", "lang", "kecamatan", "category", "jenis",
                  "status", "when", "year", "page", "per_page"}
PORTAL = 0  # version key of the regency portal (it aggregates every village)
ALL = -1  # epoch bumped by system-wide bulk changes: every village is stale
TTL = 3600
#: A request without any of these cannot get a 304 or 412: Werkzeug's
#: ``make_conditional`` is skipped for it.
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
                       "HTTP_IF_UNMODIFIED_SINCE")



@dataclass(frozen=True)
class CachedPage:
    """A rendered page as stored: final headers, plain and gzip bodies prepared once."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    gzip_headers: tuple[tuple[str, str], ...] | None = None
    gzip_body: bytes | None = None

    @property
    def nbytes(self) -> int:
        """What it occupies in memory (for the in-process store's budget): the bodies,
        and for each of the two header lists its pairs with their Python objects (a
        tuple and two strings, about 150 bytes besides the text)."""
        return (len(self.body) + len(self.gzip_body or b"")
                + sum(len(k) + len(v) + 150 for k, v in self.headers) * 2 + 300)

    @classmethod
    def of(cls, response) -> CachedPage:
        """Freeze a finished 200 response (it already has its ETag and Last-Modified)."""
        body = response.get_data()
        compressible = (response.mimetype or "").startswith(COMPRESSIBLE) \
            and len(body) >= MIN_COMPRESS
        if compressible:
            response.vary.add("Accept-Encoding")
        headers = tuple((k, v) for k, v in response.headers.items()
                        if k.lower() not in ("content-length", "x-cache"))
        if not compressible:
            return cls(response.status_code, headers, body)
        etag, weak = response.get_etag()
        gz_headers = tuple((k, quote_etag(etag + "-gz", weak) if k.lower() == "etag" else v)
                           for k, v in headers) + (("Content-Encoding", "gzip"),)
        return cls(response.status_code, headers, body, gz_headers,
                   gzip.compress(body, compresslevel=6, mtime=0))

    def answer(self, environ, x_cache: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body for this request: encoding and conditional GET."""
        headers, body = self.headers, self.body
        if self.gzip_body is not None and "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "").lower():
            headers, body = self.gzip_headers, self.gzip_body
        status = self.status
        out = list(headers)
        if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
            etag = last_modified = None
            for key, value in headers:
                lower = key.lower()
                if lower == "etag":
                    etag = value
                elif lower == "last-modified":
                    last_modified = value
            if not is_resource_modified(environ, etag=etag, last_modified=last_modified):
                status, body = 304, b""
                remove_entity_headers(out)
        if status != 304:
            out.append(("Content-Length", str(len(body))))
        out.append(("X-Cache", x_cache))
        return status, out, body


@dataclass(frozen=True, slots=True)
class PageKey:
    """Which page a request asks for (``page``: village, language, method, path) and
    under which content versions; ``versions`` is None while they cannot be read
    (Redis unreachable)."""

    page: str
    versions: tuple[int, int, int] | None

    def shared(self, lifetime: str | None) -> str:
        """The key in the shared store: the page at these versions of this Redis's data."""
        return f"{self.page}@{lifetime}.{'.'.join(map(str, self.versions))}"


class _LocalPage:
    """A page in this worker's memory: the versions it was rendered at, and when they
    were last known to be current (``confirmed``, monotonic)."""

    __slots__ = ("versions", "page", "confirmed")

    def __init__(self, versions, page: CachedPage, confirmed: float) -> None:
        self.versions, self.page, self.confirmed = versions, page, confirmed

    @property
    def nbytes(self) -> int:
        return self.page.nbytes + 100


class PageCache:
    """Stored pages: in this worker's memory, and in Redis when it is configured.

    Each worker keeps the latest copy of each page it served (bounded by
    ``PAGE_CACHE_MEMORY_MB``) with the versions it was rendered at, so a hit costs
    only the version read; with Redis, a page one worker rendered is shared with every
    worker and node under a key that carries the versions and Redis's lifetime token.

    While Redis is unreachable the versions are unknown: a local copy is served only if
    it was known current within the last ``OUTAGE_MAX_AGE`` seconds (a page rendered
    during the outage counts from its rendering), so no visitor sees a page older than
    that, and the worker keeps most of its capacity. Once Redis answers, the deferred
    bumps are replayed (``app.cache.RedisLink``) and the versions decide again.

    Stale-while-revalidate: when a page's versions moved on, one request (per page,
    across workers and nodes through a short claim in the shared store; per process
    without Redis) renders it, while the others get the previous copy for at most
    ``REBUILD_CLAIM`` seconds.
    """

    OUTAGE_MAX_AGE = 30.0
    REBUILD_CLAIM = 10.0

    def __init__(self, app: Flask) -> None:
        self.enabled = app.config.get("PAGE_CACHE", True)
        memory = app.config["PAGE_CACHE_MEMORY_MB"] * 1024 * 1024
        self.store = make_store(app.config["REDIS_URL"], memory)
        self.local = self.store if isinstance(self.store, MemoryStore) else MemoryStore(memory)
        self._link = RedisLink.of(app.config["REDIS_URL"])
        if self._link is not None:
            self._link.on_new_lifetime(self.local.clear)
        self._claims = self.store if self._link is not None else MemoryStore(1024 * 1024)
        self._redis_url = app.config["REDIS_URL"]
        self._versions_folder = f"{app.instance_path}/versions"

    def version(self, tenant_id: int) -> Generation:
        # Made at each use, not remembered: a worker that serves every village of
        # Indonesia would otherwise hold one for each of them.
        return Generation(f"content-{tenant_id}", self._redis_url, self._versions_folder)

    def get(self, key: PageKey) -> CachedPage | None:
        now = time.monotonic()
        entry = self.local.get(key.page)
        if key.versions is None:  # Redis unreachable: a recent copy only
            if entry is not None and now - entry.confirmed <= self.OUTAGE_MAX_AGE:
                return entry.page
            return None
        if entry is not None and entry.versions == key.versions:
            entry.confirmed = now
            return entry.page
        if self._link is not None:
            page = self.store.get(key.shared(self._link.lifetime))
            if isinstance(page, CachedPage):
                self.local.set(key.page, _LocalPage(key.versions, page, now), ttl=TTL)
                return page
        if entry is not None and not self._claims.add(self._claim(key), os.getpid(),
                                                      self.REBUILD_CLAIM):
            return entry.page  # another request is rendering it: the previous copy
        return None

    def set(self, key: PageKey, page: CachedPage) -> None:
        self.local.set(key.page, _LocalPage(key.versions, page, time.monotonic()), ttl=TTL)
        if key.versions is None:
            return
        if self._link is not None:
            self.store.set(key.shared(self._link.lifetime), page, ttl=TTL)
        self.release(key)

    def release(self, key: PageKey) -> None:
        """The request that claimed the rebuild of ``key`` is done with it."""
        if key.versions is not None:
            self._claims.delete(self._claim(key))

    def _claim(self, key: PageKey) -> str:
        return f"{key.page}@{'.'.join(map(str, key.versions))}:rebuild"


def page_key(site_id: int, versions: tuple, lang: str, links: Links, environ) -> PageKey:
    """The one definition of a page's cache key, used to store and to look up: what
    a page varies on.

    ``versions`` are the village's own content version, the all-villages epoch
    (system-wide bulk changes) and the registry generation (theme, status, name
    of a village); any of them None (unknown) makes the key's versions unknown.
    ``links`` is how the page writes absolute URLs (``Links.key``: empty except on a
    development domain). The path is taken raw from the WSGI environ, so the app and the middleware
    cannot disagree on it.
    """
    path = environ.get("PATH_INFO") or "/"
    query = environ.get("QUERY_STRING")
    if query:
        path = f"{path}?{query}"
    return PageKey(tenant_key(site_id, "page", lang, links.key,
                              environ.get("REQUEST_METHOD") == "HEAD", path),
                   None if None in versions else tuple(versions))


def _cache() -> PageCache:
    return current_app.extensions["desa_pagecache"]


def _anonymous() -> bool:
    return not request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session"))


def _cacheable_request() -> bool:
    return (
        _cache().enabled
        and request.method in ("GET", "HEAD")
        and request.blueprint in PUBLIC_BLUEPRINTS
        and request.endpoint not in UNCACHED_ENDPOINTS
        and _anonymous()
        and all(name in CACHEABLE_ARGS for name in request.args)
    )


def serve_from_cache():
    """The in-app path (after the tenant hook), for what the middleware left to Flask."""
    decision = site_decision()
    if not _cacheable_request() or decision.kind not in (VILLAGE, PORTAL_SITE):
        return None
    state = request_state()
    if state.page_key is not None:  # the middleware computed this very key and found nothing
        return None
    site_id = decision.tenant.id if decision.tenant is not None else PORTAL
    cache = _cache()
    own, everyone = Generation.values([cache.version(site_id), cache.version(ALL)])
    lang = language_of(request.args.get(LANG_COOKIE), request.cookies.get(LANG_COOKIE))
    state.page_key = page_key(site_id, (own, everyone, get_resolver().generation()), lang,
                              decision.links, request.environ)
    page = cache.get(state.page_key)
    if page is None:
        return None
    status, headers, body = page.answer(request.environ, "HIT")
    return current_app.response_class(body, status=status, headers=headers)


def finish_response(response):
    """Cache headers, ETag/304, page cache fill, gzip — in that order."""
    if request.blueprint in ("admin", "auth", "superadmin") or request.path.startswith("/admin"):
        response.headers["Cache-Control"] = "no-store"
        return _compress(response)
    if "Cache-Control" not in response.headers and response.status_code == 200:
        if _anonymous() and request.blueprint in PUBLIC_BLUEPRINTS:
            response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        else:
            response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    if response.headers.get("X-Cache") == "HIT":
        return response  # already answered from a stored page: encoding and 304 done
    key = request_state().page_key if _cacheable_request() else None
    if (
        key is not None
        and response.status_code == 200
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
    ):
        response.add_etag()
        response.last_modified = response.last_modified or datetime.now(timezone.utc)
        page = CachedPage.of(response)
        _cache().set(key, page)
        status, headers, body = page.answer(request.environ, "MISS")
        return current_app.response_class(body, status=status, headers=headers)
    if key is not None:
        _cache().release(key)  # not stored: let the next request render it
    if response.status_code == 200 and request.method in ("GET", "HEAD") \
            and not response.direct_passthrough and "ETag" not in response.headers:
        response.add_etag()
        if any(name in request.environ for name in CONDITIONAL_HEADERS):
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
    if len(data) < MIN_COMPRESS:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if response.headers.get("ETag"):
        etag, weak = response.get_etag()
        response.set_etag(etag + "-gz", weak)
    return response


class PageCacheMiddleware:
    """Answers page cache hits before Flask: no request context, session or hooks.

    It serves a stored page only when the app would serve that very page: GET or
    HEAD, no session cookie, only known query parameters, no language switch the
    app must remember in a cookie, and a host that is the portal or a live
    village's primary host already known to this worker (an alias, an unknown,
    suspended or not yet resolved host goes to Flask). Everything it needs is in
    memory or one ``Generation.values`` read plus one store read.
    """

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.session_cookie = app.config.get("SESSION_COOKIE_NAME", "session")

    @property
    def rules(self) -> HostRules:
        return HostRules.of(self.app)

    def __call__(self, environ, start_response):
        page = self._lookup(environ)
        if page is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = page.answer(environ, "HIT")
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _lookup(self, environ) -> CachedPage | None:
        cache: PageCache = self.app.extensions["desa_pagecache"]
        if not cache.enabled or environ.get("REQUEST_METHOD") not in ("GET", "HEAD") \
                or "HTTP_IF_MATCH" in environ:
            return None
        cookies = parse_cookie(environ["HTTP_COOKIE"]) if environ.get("HTTP_COOKIE") else {}
        if cookies.get(self.session_cookie):
            return None
        lang_arg = None
        query = environ.get("QUERY_STRING")
        if query:
            for name, value in parse_qsl(query, keep_blank_values=True):
                if name not in CACHEABLE_ARGS:
                    return None
                if name == LANG_COOKIE and lang_arg is None:
                    lang_arg = value
        lang_cookie = cookies.get(LANG_COOKIE)
        if lang_arg in LANGUAGES and lang_arg != lang_cookie:
            return None  # the app answers: it remembers the choice in a cookie
        resolver = get_resolver(self.app)
        known_generation = resolver.known_generation
        try:
            decision = decide(*request_target(environ), self.rules, resolver.known)
        except NotResolvedHere:
            return None  # Flask resolves it (and stores the page for the next request)
        if decision.kind not in (VILLAGE, PORTAL_SITE):
            return None  # refusals and redirects are Flask's to answer
        site_id = decision.tenant.id if decision.tenant is not None else PORTAL
        registry, own, everyone = Generation.values(
            [resolver.counter, cache.version(site_id), cache.version(ALL)])
        if decision.kind == VILLAGE and registry is not None and registry != known_generation:
            return None  # the registry changed since this worker resolved the host
        # (unknown while Redis is unreachable: the hosts known here are kept meanwhile)
        key = page_key(site_id, (own, everyone, registry), language_of(lang_arg, lang_cookie),
                       decision.links, environ)
        page = cache.get(key)
        if page is None:  # Flask renders the page and stores it under this key
            state = request_state(environ)
            state.decision, state.page_key = decision, key
        return page

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
    app.wsgi_app = PageCacheMiddleware(app, app.wsgi_app)
    app.before_request(serve_from_cache)
    app.after_request(finish_response)
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "do_orm_execute", _collect_bulk)
        event.listen(Session, "after_commit", _bump)
        event.listen(Session, "after_soft_rollback", _forget)
