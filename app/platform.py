"""The Flask class of the platform: Flask plus two things a multi-village site needs.

1. Two URL maps. The regency portal (base domain) and the village sites
   answer the same paths (``/``, ``/berita``, ``/admin``...) with different
   views, so the URL map is chosen by host class before matching. Portal
   blueprints register with ``register_portal_blueprint``; routes that answer
   on every host (health, theme files) are copied into both maps.
2. Theme-aware templates (see ``app.themes``).
"""
from __future__ import annotations

from flask import Blueprint, Flask
from jinja2 import ChoiceLoader

from tenants.routing import HOST_INDEPENDENT_ENDPOINTS, is_portal_request

from .themes import THEMES_DIR, ThemeEnvironment, ThemeLoader


#: The public surface: what citizens and crawlers read without an account. Its GET and
#: HEAD requests only read (``app.database`` runs them in autocommit) and its anonymous
#: answers may be cached (``app.pagecache``).
PUBLIC_BLUEPRINTS = frozenset({"public", "ppid", "ppid_portal", "portal", "seo", "api", "portal_api"})


class DesaFlask(Flask):
    jinja_environment = ThemeEnvironment

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.portal_url_map = self.url_map_class()
        self.portal_url_map.converters = self.url_map.converters
        self.portal_url_map.strict_slashes = self.url_map.strict_slashes

    def create_global_jinja_loader(self):
        return ChoiceLoader([ThemeLoader(THEMES_DIR), super().create_global_jinja_loader()])

    def create_url_adapter(self, request):
        adapter = super().create_url_adapter(request)
        if request is not None and is_portal_request(request, self):
            return self.portal_url_map.bind_to_environ(request.environ, server_name=None)
        return adapter

    def register_portal_blueprint(self, blueprint: Blueprint, **options) -> None:
        """Register ``blueprint`` so its routes answer on the portal hosts only."""
        village_map = self.url_map
        self.url_map = self.portal_url_map
        try:
            self.register_blueprint(blueprint, **options)
        finally:
            self.url_map = village_map

    def share_host_independent_routes(self) -> None:
        """Copy the routes that answer on every host into the portal map."""
        for rule in list(self.url_map.iter_rules()):
            if rule.endpoint in HOST_INDEPENDENT_ENDPOINTS:
                self.portal_url_map.add(rule.empty())
