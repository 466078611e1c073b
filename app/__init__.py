"""Application factory: config -> extensions -> tenants -> blueprints -> error pages."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping

from werkzeug.middleware.proxy_fix import ProxyFix

from .config import INSTANCE_DIR, load_config
from .extensions import csrf, db, migrate
from .platform import DesaFlask


def create_app(config: Mapping[str, Any] | None = None) -> DesaFlask:
    app = DesaFlask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=False,
        static_folder=None,  # static files belong to themes (app.themes)
    )
    app.config.update(load_config())
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=app.config["LOG_LEVEL"],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from . import models  # noqa: F401 - register tables with the metadata
    from .models.search import include_in_autogenerate

    db.init_app(app)
    from . import database

    database.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"),
                     include_object=include_in_autogenerate)
    csrf.init_app(app)
    from .models import base as model_base

    model_base.install()
    from . import bodies

    bodies.install()

    import tenants

    tenants.init_app(app)

    from . import cli, errors, health, i18n, pagecache, security_headers, seo, themes
    from .api import bp as api_bp
    from .api import portal_bp as portal_api_bp
    from .portal import bp as portal_bp
    from .public import bp as public_bp

    themes.init_app(app)
    i18n.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(public_bp)
    from .ppid import views as ppid_views

    ppid_views.init_app(app)
    seo.init_app(app)
    app.register_blueprint(api_bp)
    app.register_portal_blueprint(portal_bp)
    app.register_portal_blueprint(portal_api_bp)

    from . import admin, auth

    auth.init_app(app)
    admin.init_app(app)
    app.share_host_independent_routes()
    errors.init_app(app)
    pagecache.init_app(app)
    security_headers.init_app(app)  # after the page cache: see its docstring
    cli.init_app(app)

    from .compliance import cli as compliance_cli

    compliance_cli.init_app(app)

    from . import calendar

    calendar.init_app(app)

    # Outermost: the page cache middleware must see the Host the proxy forwarded.
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    return app
