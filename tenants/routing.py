"""Which site a request is for: one decision, taken by ``decide``, and the request
state that carries it.

``decide`` is pure: the Host header, the path and the host rules of the
configuration in, a ``SiteDecision`` out (serve a village / redirect to its
primary host / unknown / unavailable / malformed / portal). Its only other input is
the lookup it is handed: the page cache in front of Flask (``app.pagecache``) hands
it what this worker already resolved, Flask's ``before_request`` hook
(``_enter_site``) the full resolver. So the two cannot disagree on a rule.

Absolute URLs are written by the decision's ``Links``: from a village's stored
primary host, or the configured base domain for the portal, with the configured
scheme, never from the request's Host. The one exception is a development domain
(``<slug>.localhost:8000``, never in production): there links go to the development
twin of the stored host, so a developer can click through; the page cache keys
pages by ``Links.key``.

Everything a request decides about itself lives in one ``RequestState`` (its
decision, language, page-cache key, the page frame of the public layout), kept in
the WSGI environ so that the page cache, which runs before Flask, and Flask share
it. The current village for query scoping stays the ``tenants.scoping`` context
variable, set from the decision.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote

from flask import Flask, abort, current_app, g, has_request_context, redirect, request
from werkzeug.exceptions import NotFound, ServiceUnavailable

from . import resolver as resolver_module
from .hosts import InvalidHost, normalize_host
from .resolver import AliasRedirect, TenantRef, get_resolver
from .scoping import reset_current_tenant, set_current_tenant

# The kinds of decision.
VILLAGE = "village"          # serve the village ``SiteDecision.tenant``
PORTAL = "portal"            # serve the regency portal
ANY_SITE = "any-site"        # a path every valid host answers the same (health, theme files)
REDIRECT = "redirect"        # 301 to ``SiteDecision.location`` (an alias of a village)
UNKNOWN = "unknown"          # 404: no village on this host (never a fallback to another)
UNAVAILABLE = "unavailable"  # 503: the village is suspended or not live yet
MALFORMED = "malformed"      # 400: not a hostname

#: Endpoints that answer on any valid host, known village or not.
HOST_INDEPENDENT_ENDPOINTS = {"health.healthz", "themes.static"}

Lookup = Callable[[str], "TenantRef | AliasRedirect | None"]


@dataclass(frozen=True)
class HostRules:
    """What the configuration says about hosts (see ``HostRules.of``)."""

    base_domain: str
    portal_hosts: frozenset[str]
    dev_domains: tuple[str, ...]
    scheme: str
    #: Paths answered on any valid host: exact paths, and prefixes ending in "/".
    any_site_paths: tuple[str, ...] = ()

    @classmethod
    def of(cls, app: Flask) -> HostRules:
        rules = app.extensions.get("desa_host_rules")
        if rules is None:
            config = app.config
            base = config["BASE_DOMAIN"]
            paths = tuple(sorted({rule.rule.split("<", 1)[0] for rule in app.url_map.iter_rules()
                                  if rule.endpoint in HOST_INDEPENDENT_ENDPOINTS}))
            rules = cls(base, frozenset({base, f"www.{base}", *config["PORTAL_EXTRA_HOSTS"]}),
                        tuple(config["DEV_DOMAINS"]), config["PREFERRED_URL_SCHEME"], paths)
            if paths:  # the routes are registered: the rules are complete
                app.extensions["desa_host_rules"] = rules
        return rules

    def answers_any_host(self, path: str) -> bool:
        return any(path == p or (p.endswith("/") and path.startswith(p))
                   for p in self.any_site_paths)


@dataclass(frozen=True, slots=True)
class Links:
    """How the pages of one request write absolute URLs.

    Always the stored primary host of a village (the base domain for the portal)
    with the configured scheme; only a request through a development domain links
    to the development twins (``jlodro.localhost:8000``), port included."""

    scheme: str
    base_domain: str
    dev_domain: str | None = None
    port: str = ""

    @property
    def key(self) -> str:
        """What pages vary on (part of the page-cache key): empty for real hosts."""
        return f"{self.dev_domain}:{self.port}" if self.dev_domain else ""

    def host(self, primary_host: str) -> str:
        if not self.dev_domain:
            return primary_host
        if primary_host == self.base_domain:
            host = self.dev_domain
        elif primary_host.endswith("." + self.base_domain):
            host = primary_host[: -len(self.base_domain)] + self.dev_domain
        else:
            return primary_host  # a custom domain has no development twin
        return f"{host}:{self.port}" if self.port else host

    def village(self, primary_host: str, path: str = "/") -> str:
        return f"{self.scheme}://{self.host(primary_host)}{path}"

    def portal(self, path: str = "/") -> str:
        return self.village(self.base_domain, path)


@dataclass(frozen=True, slots=True)
class SiteDecision:
    kind: str
    links: Links | None = None
    tenant: TenantRef | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class HostClass:
    """The part of the decision the configuration alone makes (no lookup)."""

    kind: str  # PORTAL, VILLAGE or MALFORMED
    lookup_host: str = ""
    links: Links | None = None


def classify(raw_host: str | None, rules: HostRules) -> HostClass:
    """Portal, village host (with the hostname to look up) or malformed."""
    try:
        host = normalize_host(raw_host)
    except InvalidHost:
        return HostClass(MALFORMED)
    base = rules.base_domain
    if host in rules.portal_hosts:
        return HostClass(PORTAL, host, Links(rules.scheme, base))
    for dev in rules.dev_domains:
        if host in (dev, f"www.{dev}") or host.endswith("." + dev):
            raw = raw_host.strip()
            port = raw.rpartition(":")[2] if raw.count(":") == 1 else ""
            links = Links(rules.scheme, base, dev, port)
            if host.endswith("." + dev) and host != f"www.{dev}":
                return HostClass(VILLAGE, host[: -len(dev)] + base, links)
            return HostClass(PORTAL, host, links)
    return HostClass(VILLAGE, host, Links(rules.scheme, base))


def decide(raw_host: str | None, path: str, query: str, rules: HostRules,
           lookup: Lookup) -> SiteDecision:
    """THE decision of which site answers a request (see the module docstring).

    ``lookup(hostname)`` gives the village of a normalised hostname, an alias
    redirect, or None; it is called for village hosts only."""
    found = classify(raw_host, rules)
    if found.kind == MALFORMED:
        return SiteDecision(MALFORMED)
    if rules.answers_any_host(path):
        return SiteDecision(ANY_SITE, found.links)
    if found.kind == PORTAL:
        return SiteDecision(PORTAL, found.links)
    village = lookup(found.lookup_host)
    if village is None:
        return SiteDecision(UNKNOWN, found.links)
    if isinstance(village, AliasRedirect):
        target = quote(path, safe="/%:@!$&'()*+,;=-._~") + (f"?{query}" if query else "")
        return SiteDecision(REDIRECT, found.links,
                            location=found.links.village(village.primary_host, target))
    if not village.is_live:
        return SiteDecision(UNAVAILABLE, found.links, village)
    return SiteDecision(VILLAGE, found.links, village)


def request_target(environ) -> tuple[str | None, str, str]:
    """Host, path (decoded) and query string of a WSGI request: what ``decide`` reads."""
    path = environ.get("PATH_INFO") or "/"
    try:
        path = path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        pass
    return (environ.get("HTTP_HOST") or environ.get("SERVER_NAME"), path,
            environ.get("QUERY_STRING", ""))


# -- the request state ------------------------------------------------------------
STATE_KEY = "desa.request"


class RequestState:
    """What one request decided about itself, in one place.

    Made by the first of the page cache and Flask to look at the request, kept in its
    WSGI environ under ``STATE_KEY`` (an app context, and so ``g``, can outlive a
    request; the environ cannot)."""

    __slots__ = ("decision", "language", "page_key", "frame", "theme_preview", "_tenant_token")

    def __init__(self) -> None:
        self.decision: SiteDecision | None = None
        #: The page language (``app.i18n.select_locale``).
        self.language: str | None = None
        #: The page-cache key this request is stored under, once computed.
        self.page_key: str | None = None
        #: The settings and menu the public layout shows (``app.public.queries``).
        self.frame: tuple | None = None
        #: A theme an operator previews (``?pratinjau_tema=``).
        self.theme_preview: str | None = None
        self._tenant_token = None

    @property
    def tenant(self) -> TenantRef | None:
        """The village this request is for: served, or refused with its maintenance
        page (None for the portal, an unknown host and the rest)."""
        decision = self.decision
        return decision.tenant if decision is not None else None


def request_state(environ=None) -> RequestState:
    """The state of the current request (or of the WSGI request ``environ``)."""
    environ = request.environ if environ is None else environ
    state = environ.get(STATE_KEY)
    if state is None:
        state = environ[STATE_KEY] = RequestState()
    return state


def site_decision() -> SiteDecision:
    """The current request's decision, taken now if nobody took it yet."""
    state = request_state()
    if state.decision is None:
        state.decision = decide(*request_target(request.environ), HostRules.of(current_app),
                                get_resolver().resolve)
    return state.decision


def current_tenant() -> TenantRef | None:
    """The village the current request serves (None outside a village request)."""
    if not has_request_context():
        return None
    return request_state().tenant


def links() -> Links:
    """How to write absolute URLs now: the request's links, or outside a request the
    canonical ones (stored hosts, configured scheme)."""
    if has_request_context():
        decision = site_decision()
        if decision.links is not None:
            return decision.links
    rules = HostRules.of(current_app)
    return Links(rules.scheme, rules.base_domain)


def village_url(primary_host: str, path: str = "/") -> str:
    """Absolute URL of ``path`` on a village (see ``Links``)."""
    return links().village(primary_host, path)


def portal_url(path: str = "/") -> str:
    """Absolute URL of ``path`` on the regency portal (the base domain)."""
    return links().portal(path)


def is_portal_request(req, app: Flask) -> bool:
    """Whether ``req`` is for the portal (configuration only: usable before the app
    context exists, to choose the URL map)."""
    state = req.environ.get(STATE_KEY)
    if state is not None and state.decision is not None:
        return state.decision.kind == PORTAL
    return classify(req.environ.get("HTTP_HOST") or req.environ.get("SERVER_NAME"),
                    HostRules.of(app)).kind == PORTAL


# -- refusals -------------------------------------------------------------------
class UnknownVillage(NotFound):
    """No village is served on this host."""

    description = "Desa tidak ditemukan."


class VillageUnavailable(ServiceUnavailable):
    """The village exists but is suspended or not live yet."""

    def __init__(self, tenant: TenantRef):
        super().__init__()
        self.tenant = tenant


def _enter_site():
    decision = site_decision()
    # The admin and sign-in views still read the village from ``g``.
    g.tenant = decision.tenant
    if decision.kind == MALFORMED:
        abort(400, description="Alamat host tidak valid.")
    if decision.kind == UNKNOWN:
        raise UnknownVillage()
    if decision.kind == REDIRECT:
        return redirect(decision.location, code=301)
    if decision.tenant is not None:
        request_state()._tenant_token = set_current_tenant(decision.tenant.id)
    if decision.kind == UNAVAILABLE:
        raise VillageUnavailable(decision.tenant)
    return None


def _leave_site(_exc=None) -> None:
    state = request.environ.get(STATE_KEY) if has_request_context() else None
    if state is not None and state._tenant_token is not None:
        reset_current_tenant(state._tenant_token)
        state._tenant_token = None


def init_app(app: Flask) -> None:
    resolver_module.init_app(app)
    app.before_request(_enter_site)
    app.teardown_request(_leave_site)
