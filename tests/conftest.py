"""Shared fixtures: one app and database per test session, content wiped after each test.

``DATABASE_URL`` selects the database (PostgreSQL in ``.ci/run``); by default a
SQLite file in a temporary folder. The schema is built by the real Alembic
migrations and the 328 Tuban villages are imported once per session; each
test leaves the registry as it found it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="desa-tests-"))
os.environ.setdefault("INSTANCE_PATH", str(_TMP / "instance"))
# The shared app runs the embedded shape; tests that need Redis start their own nodes.
os.environ.pop("REDIS_URL", None)

from sqlalchemy import delete, select, update  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from tenants.models import Domain, Tenant  # noqa: E402
from tenants.resolver import get_resolver  # noqa: E402
from tenants.scoping import system_scope, tenant_context  # noqa: E402

from desa_testing import BASE, VillageClient, host, village  # noqa: E402,F401
#: Tables kept across tests: the village registry and the regency calendar (a test that
#: edits the calendar restores it itself).
REGISTRY_TABLES = {"tenant", "domain", "alembic_version", "holiday"}


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"


def is_postgres() -> bool:
    return database_url().startswith(("postgres", "postgresql"))


def _reset_schema(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        if is_postgres():
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade(directory=str(Path(app.root_path).parent / "migrations"))


@pytest.fixture(scope="session")
def app():
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "MEDIA_ROOT": str(_TMP / "media"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
    })
    _reset_schema(app)
    with app.app_context():
        from tenants.provisioning import import_villages, read_villages

        with system_scope():
            import_villages(read_villages(), BASE, "active")
            app.config["_REGISTRY_SNAPSHOT"] = [
                dict(id=t.id, slug=t.slug, status=t.status, theme=t.theme, name=t.name,
                     content_updated_at=None)
                for t in db.session.scalars(select(Tenant))
            ]
            app.config["_DOMAIN_SNAPSHOT"] = {
                d.id: (d.hostname, d.tenant_id, d.is_primary)
                for d in db.session.scalars(select(Domain))
            }
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _wipe(app) -> None:
    """Delete all tenant-owned rows and restore the village registry."""
    with app.app_context(), system_scope():
        db.session.rollback()
        existing = app.config.setdefault("_TABLES", set(db.inspect(db.engine).get_table_names()))
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REGISTRY_TABLES and table.name in existing:
                db.session.execute(table.delete())
        known_tenants = {row["id"] for row in app.config["_REGISTRY_SNAPSHOT"]}
        snapshot = app.config["_DOMAIN_SNAPSHOT"]
        db.session.execute(delete(Domain).where(Domain.id.not_in(list(snapshot))))
        db.session.execute(delete(Tenant).where(Tenant.id.not_in(list(known_tenants))))
        changed = [
            dict(id=i, hostname=h, tenant_id=t, is_primary=p)
            for i, h, t, p in db.session.execute(select(Domain.id, Domain.hostname,
                                                        Domain.tenant_id, Domain.is_primary))
            if snapshot.get(i) != (h, t, p)
        ]
        if changed:
            # Primary flags first off, then restored, to respect the one-primary index.
            db.session.execute(update(Domain).where(Domain.id.in_([c["id"] for c in changed]))
                               .values(is_primary=False))
            db.session.execute(update(Domain), [
                dict(id=c["id"], hostname=snapshot[c["id"]][0], tenant_id=snapshot[c["id"]][1],
                     is_primary=snapshot[c["id"]][2]) for c in changed
            ])
        db.session.execute(update(Tenant), app.config["_REGISTRY_SNAPSHOT"])
        db.session.commit()
        get_resolver(app).invalidate()


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        _wipe(app)
        app.extensions.pop("desa_citizen_form_limits", None)  # filings counted per test


class _Inbox:
    """What the local SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        from email import message_from_bytes

        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture()
def inbox(app, monkeypatch):
    """A real SMTP server (aiosmtpd) on a free local port; the app sends its mail there.
    Yields the list of messages received."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": "none",
                       "MAIL_FROM": "desa@tubankab.go.id"}.items():
        monkeypatch.setitem(app.config, key, value)
    yield handler.messages
    controller.stop()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture()
def jlodro(client):
    return VillageClient(client, "jlodro")


@pytest.fixture()
def as_village(app):
    """``with as_village('jlodro'):`` work inside one village's scope."""
    from contextlib import contextmanager

    @contextmanager
    def _as(slug: str):
        with app.app_context():
            with tenant_context(village(slug).id):
                yield

    return _as


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (``DESA_REQUIRE_SERVICES=1``) a test skipped for a missing service fails:
    the suite skips politely on a developer's laptop, but CI must really run it."""
    outcome = yield
    report = outcome.get_result()
    # a skip the test declares for a database dialect (``skipif`` with a true condition)
    # is not a missing service
    declared = any(m.args and m.args[0] is True for m in item.iter_markers("skipif"))
    if report.skipped and os.environ.get("DESA_REQUIRE_SERVICES") == "1" and call.excinfo \
            and not declared:
        reason = str(call.excinfo.value)
        report.outcome = "failed"
        report.longrepr = f"required service missing in CI: {reason}"
