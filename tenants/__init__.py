"""Villages (tenants), their hostnames, and the machinery that keeps them apart.

``init_app`` wires host routing and tenant scoping into a Flask app.
"""
from __future__ import annotations


def init_app(app) -> None:
    from . import cli, routing, scoping

    scoping.install(app)
    routing.init_app(app)
    cli.init_app(app)
