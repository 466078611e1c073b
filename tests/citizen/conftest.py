"""Fixtures for the citizen-facing site: demo content in one or two villages."""
from __future__ import annotations

import pytest
from sqlalchemy import select


def tenant_of(slug: str):
    from app.extensions import db
    from tenants.models import Tenant
    from tenants.scoping import system_scope

    with system_scope():
        return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


@pytest.fixture()
def seeded(app):
    """Demo content (app.demo.seed_village) in Jlodro and Kebonsari."""
    from app.demo import seed_village

    with app.app_context():
        for slug in ("jlodro", "kebonsari"):
            seed_village(tenant_of(slug))
    return True
