"""Operators: users, roles, login (with TOTP), rate limiting, password reset."""
from __future__ import annotations


def init_app(app) -> None:
    from . import cli, core
    from .views import bp

    core.init_app(app)
    app.register_blueprint(bp)
    app.register_portal_blueprint(bp, name="portal_auth")
    cli.init_app(app)
