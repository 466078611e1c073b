"""Host routing: which site a request is for, and the one hook that sets it up.

``classify_host`` is pure (configuration only, no database): it tells the
regency portal (bare base domain, ``www.``, development domains) from a
village host. The ``before_request`` hook then resolves a village host to its
tenant through the cached resolver and makes it the current tenant, answers
an alias with a 301 to the primary host, and refuses what it cannot serve:
400 for a malformed Host, a polite 404 for an unknown village (never a
fallback to another one), 503 for a suspended village.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask, Request, abort, g, redirect, request
from werkzeug.exceptions import NotFound, ServiceUnavailable

from . import resolver as resolver_module
from .hosts import InvalidHost, normalize_host
from .resolver import AliasRedirect, TenantRef, get_resolver
from .scoping import reset_current_tenant, set_current_tenant

PORTAL = "portal"
VILLAGE = "village"
INVALID = "invalid"

#: Endpoints that answer on any valid host, known village or not.
HOST_INDEPENDENT_ENDPOINTS = {"health.healthz", "themes.static"}


@dataclass(frozen=True)
class Site:
    kind: str
    host: str = ""
    #: The hostname looked up in the registry (a dev domain maps onto BASE_DOMAIN).
    lookup_host: str = ""
    #: The development domain the request came through, if any (``localhost``).
    dev_domain: str | None = None


class UnknownVillage(NotFound):
    """No village is served on this host."""

    description = "Desa tidak ditemukan."


class VillageUnavailable(ServiceUnavailable):
    """The village exists but is suspended or not live yet."""

    def __init__(self, tenant: TenantRef):
        super().__init__()
        self.tenant = tenant


def classify_host(raw_host: str | None, config) -> Site:
    try:
        host = normalize_host(raw_host)
    except InvalidHost:
        return Site(INVALID)
    base = config["BASE_DOMAIN"]
    if host in (base, f"www.{base}") or host in config["PORTAL_EXTRA_HOSTS"]:
        return Site(PORTAL, host, host)
    for dev in config["DEV_DOMAINS"]:
        if host in (dev, f"www.{dev}"):
            return Site(PORTAL, host, host, dev)
        if host.endswith("." + dev):
            return Site(VILLAGE, host, host[: -len(dev)] + base, dev)
    return Site(VILLAGE, host, host)


def site_of(environ, config) -> Site:
    """The site of a WSGI request, classified once and remembered in the environ."""
    site = environ.get("desa.site")
    if site is None:
        site = classify_host(environ.get("HTTP_HOST") or environ.get("SERVER_NAME"), config)
        environ["desa.site"] = site
    return site


def request_site(req: Request | None = None, config=None) -> Site:
    """The request's site, computed once per request (also before the app context)."""
    req = req or request
    if config is None:
        from flask import current_app

        config = current_app.config
    return site_of(req.environ, config)


def public_host(primary_host: str, site: Site | None = None) -> str:
    """The host to link to for a village: its primary host, or its dev-domain twin."""
    return host_linker(site)(primary_host)


def host_linker(site: Site | None = None) -> Callable[[str], str]:
    """``public_host`` for many villages at once (the directory links hundreds): what
    it depends on (the request's site, the base domain, the port) is read once."""
    from flask import current_app

    site = site or request_site()
    if not site.dev_domain:
        return _same_host
    base = current_app.config["BASE_DOMAIN"]
    suffix = "." + base
    raw = request.host
    port = raw.rpartition(":")[2] if raw.count(":") == 1 else ""

    def twin(primary_host: str) -> str:
        if not primary_host.endswith(suffix):
            return primary_host
        host = primary_host[: -len(base)] + site.dev_domain
        return f"{host}:{port}" if port else host

    return twin


def _same_host(primary_host: str) -> str:
    return primary_host


def _enter_site():
    site = request_site()
    if site.kind == INVALID:
        abort(400, description="Alamat host tidak valid.")
    g.site = site
    g.tenant = None
    if request.endpoint in HOST_INDEPENDENT_ENDPOINTS or site.kind == PORTAL:
        return None
    found = get_resolver().resolve(site.lookup_host)
    if found is None:
        raise UnknownVillage()
    if isinstance(found, AliasRedirect):
        target = f"{request.scheme}://{public_host(found.primary_host, site)}{request.full_path}"
        return redirect(target.rstrip("?"), code=301)
    g.tenant = found
    g.tenant_token = set_current_tenant(found.id)
    if not found.is_live:
        raise VillageUnavailable(found)
    return None


def _leave_site(_exc=None) -> None:
    token = g.pop("tenant_token", None)
    if token is not None:
        reset_current_tenant(token)


def init_app(app: Flask) -> None:
    resolver_module.init_app(app)
    app.before_request(_enter_site)
    app.teardown_request(_leave_site)
