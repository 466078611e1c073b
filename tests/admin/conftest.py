"""Fixtures for the Operator CMS tests: users with roles, logged-in clients."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Membership, User
from desa_testing import VillageClient, village
from tenants.scoping import tenant_context

from cms_testing import PASSWORD, login


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    app.extensions.pop("desa_login_throttle", None)
    yield
    app.extensions.pop("desa_login_throttle", None)


@pytest.fixture()
def make_user(app):
    def _make(email, role=None, slug="jlodro", superadmin=False, totp=None):
        with app.app_context():
            user = User(email=email, name=email.split("@")[0], is_superadmin=superadmin,
                        totp_secret=totp)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            uid = user.id
            if role:
                with tenant_context(village(slug).id):
                    db.session.add(Membership(user_id=uid, role=role))
                    db.session.commit()
            return uid

    return _make


@pytest.fixture()
def logged_in(app, client, make_user):
    """``logged_in('admin')`` -> VillageClient on jlodro logged in with that role."""

    def _as(role, slug="jlodro", email=None):
        email = email or f"{role}@{slug}.desa"
        make_user(email, role, slug)
        vc = VillageClient(app.test_client(), slug)
        r = login(vc, email)
        assert r.status_code == 302, r.get_data(as_text=True)
        return vc

    return _as




@pytest.fixture(autouse=True)
def _show_server_errors(app, monkeypatch):
    """Print the traceback of any unhandled view error (the app answers a themed 500)."""
    import traceback

    from app import errors

    original = errors.handle_unexpected

    def _log(exc):
        traceback.print_exception(exc)
        return original(exc)

    handlers = app.error_handler_spec[None][None]
    monkeypatch.setitem(handlers, Exception, _log)
    yield
