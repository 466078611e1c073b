"""Hostname -> village, cached, invalidated when a Tenant or Domain changes.

Three levels: a bounded dict in this worker, Redis (shared by workers and
nodes, when configured), then the database. A shared ``Generation`` counter is
bumped after any commit that changes the registry; every worker compares it
on each request (with Redis, the value its ``GenerationWatcher`` learnt by pub/sub,
or one GET while the watcher is not listening; without Redis one ``stat`` of a
file) and drops what it cached before. Unknown hosts are cached too (as "no village"),
so junk Host headers cannot hammer the database.
"""
from __future__ import annotations

import sys
from collections import OrderedDict
from dataclasses import asdict, dataclass
from functools import cache
from threading import Lock

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import and_, bindparam, event, select
from sqlalchemy.orm import Session, aliased, object_session

from app.cache import Generation, RedisLink, RedisUnavailable
from app.extensions import db

from .models import STATUS_ACTIVE, Domain, Tenant, display_name


@dataclass(frozen=True, slots=True)
class TenantRef:
    """What a request needs to know about its village; safe to cache and share.

    Every worker may hold tens of thousands (see ``HostResolver``), so
    it is slotted and its repeated values (kind, status, theme, kecamatan and
    regency names) are interned.
    """

    id: int
    code: str
    name: str
    kind: str
    slug: str
    status: str
    theme: str
    kecamatan_code: str
    kecamatan_name: str
    regency_name: str
    primary_host: str

    @property
    def display_name(self) -> str:
        return display_name(self.kind, self.name)

    @property
    def is_live(self) -> bool:
        return self.status == STATUS_ACTIVE

    @classmethod
    def create(cls, **fields) -> TenantRef:
        for name in _SHARED_VALUES:
            if isinstance(fields.get(name), str):
                fields[name] = sys.intern(fields[name])
        return cls(**fields)


_SHARED_VALUES = ("kind", "status", "theme", "kecamatan_code", "kecamatan_name",
                  "regency_name")


@dataclass(frozen=True)
class AliasRedirect:
    """The host is an alias (custom domain, old slug, www.): go to the primary."""

    primary_host: str


_MISSING = object()


class NotResolvedHere(LookupError):
    """This worker has not resolved the host yet (``HostResolver.known``)."""


class HostResolver:
    """Hostname -> village through three levels (see the module docstring).

    The in-process level keeps the ``TENANT_CACHE_SIZE`` hosts used most recently
    (least recently used out first), so its memory is bounded however many villages
    the deployment serves; a worker serving every village of Indonesia falls back to
    Redis or one indexed query for the villages it has not seen lately.
    """

    def __init__(self, app: Flask) -> None:
        # watched: with Redis, workers learn of a bump by pub/sub, not a GET per request
        self._generation = Generation("tenants", app.config["REDIS_URL"], app.instance_path,
                                      watch=True)
        self._link = RedisLink.of(app.config["REDIS_URL"])
        if self._link is not None:  # Redis has other data now: what it said is void
            self._link.on_new_lifetime(self._forget)
        self._local: OrderedDict[str, TenantRef | AliasRedirect | None] = OrderedDict()
        self._local_limit = app.config["TENANT_CACHE_SIZE"]
        self._local_generation: int | None = None
        self._lock = Lock()

    # -- cache plumbing -------------------------------------------------------
    def _check_generation(self) -> int | None:
        """The registry generation; None while Redis is unreachable, and then the hosts
        known here are kept (a registry change made meanwhile reaches this worker when
        Redis answers again and the deferred bump is replayed)."""
        current = self._generation.value()
        if has_request_context():
            g.registry_generation = current
        if current is not None and current != self._local_generation:
            with self._lock:
                self._local.clear()
                self._local_generation = current
        return current

    def _remember(self, host: str, value) -> None:
        if isinstance(value, TenantRef) and value.primary_host == host:
            host = value.primary_host  # one string object for the key and the field
        with self._lock:
            self._local[host] = value
            while len(self._local) > self._local_limit:
                self._local.popitem(last=False)

    def _recall(self, host: str):
        """The in-process entry (or ``_MISSING``), marked as used most recently."""
        value = self._local.get(host, _MISSING)
        if value is not _MISSING:
            try:
                self._local.move_to_end(host)
            except KeyError:  # dropped by another thread meanwhile: still a valid answer
                pass
        return value

    def _shared_get(self, generation: int | None, host: str):
        if self._link is None or generation is None:
            return _MISSING
        import json

        key = f"tenants:{self._link.lifetime}:{generation}:host:{host}"
        try:
            raw = self._link.run(lambda client: client.get(key))
        except RedisUnavailable:
            return _MISSING
        if raw is None:
            return _MISSING
        data = json.loads(raw)
        if data is None:
            return None
        if "primary_only" in data:
            return AliasRedirect(data["primary_only"])
        return TenantRef.create(**data)

    def _shared_set(self, generation: int | None, host: str, value) -> None:
        if self._link is None or generation is None:
            return
        import json

        if value is None:
            payload = None
        elif isinstance(value, AliasRedirect):
            payload = {"primary_only": value.primary_host}
        else:
            payload = asdict(value)
        key = f"tenants:{self._link.lifetime}:{generation}:host:{host}"
        try:
            self._link.run(lambda client: client.set(key, json.dumps(payload), ex=3600))
        except RedisUnavailable:
            pass

    def generation(self) -> int | None:
        """The registry generation, read once per request (see the module docstring)."""
        if has_request_context() and "registry_generation" in g:
            return g.registry_generation
        return self._check_generation()

    def invalidate(self) -> None:
        """Tell every worker and node that the registry changed."""
        self._generation.bump()
        self._forget()

    def _forget(self) -> None:
        with self._lock:
            self._local.clear()
            self._local_generation = None

    # -- what a worker already knows, without any I/O (see app.pagecache) ----
    @property
    def counter(self) -> Generation:
        """The shared registry generation, for callers that batch its read."""
        return self._generation

    @property
    def known_generation(self) -> int | None:
        """The registry generation the in-process entries belong to."""
        return self._local_generation

    def known(self, host: str) -> TenantRef | AliasRedirect | None:
        """What this worker resolved ``host`` to, without any I/O; ``NotResolvedHere``
        if it has not. The caller must compare ``known_generation``, read BEFORE this
        call, with a fresh read of ``counter`` before trusting the answer."""
        value = self._recall(host)
        if value is _MISSING:
            raise NotResolvedHere(host)
        return value

    # -- lookup ---------------------------------------------------------------
    def resolve(self, host: str) -> TenantRef | AliasRedirect | None:
        """``host`` must already be normalised (``tenants.hosts.normalize_host``)."""
        generation = self._check_generation()
        value = self._recall(host)
        if value is _MISSING:
            value = self._shared_get(generation, host)
            if value is _MISSING:
                value = self._lookup(host)
                self._shared_set(generation, host, value)
            self._remember(host, value)
        return value

    def _lookup(self, host: str) -> TenantRef | AliasRedirect | None:
        found = self._lookup_exact(host)
        if found is None and host.startswith("www."):
            bare = self._lookup_exact(host[4:])
            if bare is not None:  # www.<village> is an alias of the village
                found = AliasRedirect(bare.primary_host)
        return found

    def _lookup_exact(self, host: str) -> TenantRef | AliasRedirect | None:
        """One query: the domain, its village and the village's primary hostname.

        Run on the session's connection as plain Core: the registry tables are not
        tenant-owned, so the ORM's execution path (and its tenant-scoping hook) has
        nothing to add, and skipping it makes a worker's first visit to a village
        cheaper."""
        row = db.session.connection().execute(_host_statement(), {"host": host}).first()
        if row is None:
            return None
        is_primary, primary_host, *fields = row
        if not is_primary and primary_host is not None:
            return AliasRedirect(primary_host)
        return TenantRef.create(**dict(zip(_TENANT_FIELDS, fields)),
                                primary_host=primary_host or host)


@cache
def _host_statement():
    """Built once (a resolver miss should cost the query, not building it)."""
    primary = aliased(Domain)
    return (
        select(Domain.is_primary, primary.hostname, *(getattr(Tenant, f) for f in _TENANT_FIELDS))
        .join(Tenant, Tenant.id == Domain.tenant_id)
        .outerjoin(primary, and_(primary.tenant_id == Tenant.id, primary.is_primary))
        .where(Domain.hostname == bindparam("host"))
    )


_TENANT_FIELDS = ("id", "code", "name", "kind", "slug", "status", "theme", "kecamatan_code",
                  "kecamatan_name", "regency_name")


def get_resolver(app: Flask | None = None) -> HostResolver:
    app = app or current_app
    return app.extensions["desa_resolver"]


def invalidate_after_commit(target=None) -> None:
    """Mark the session so the registry generation is bumped once it commits."""
    session = object_session(target) if target is not None else db.session()
    if session is not None:
        session.info["tenants_changed"] = True


def _after_commit(session: Session) -> None:
    if session.info.pop("tenants_changed", False):
        try:
            get_resolver().invalidate()
        except (RuntimeError, KeyError):  # no app context: nothing cached in-process
            pass


def _after_rollback(session: Session) -> None:
    session.info.pop("tenants_changed", None)


def _bulk_statements(state) -> None:
    """Bulk UPDATE/DELETE of tenants or domains bypass mapper events: catch them here."""
    if (state.is_update or state.is_delete) and any(
        m.class_ in (Tenant, Domain) for m in state.all_mappers
    ):
        state.session.info["tenants_changed"] = True


def init_app(app: Flask) -> None:
    app.extensions["desa_resolver"] = HostResolver(app)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
        event.listen(Session, "do_orm_execute", _bulk_statements)
