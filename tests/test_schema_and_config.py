"""Models and migrations agree; configuration refuses unsafe production settings."""
from __future__ import annotations

import pytest

from app.config import ConfigError, load_config


def test_models_and_migrations_agree(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.extensions import db
    from app.models.search import include_in_autogenerate

    with app.app_context(), db.engine.connect() as conn:
        # the same filter ``flask db migrate`` uses (given to Flask-Migrate)
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": include_in_autogenerate})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_tenant_owned_tables_have_indexed_not_null_tenant_fk(app):
    from tenants.scoping import tenant_tables

    tables = tenant_tables()
    assert len(tables) >= 10
    for table in tables:
        column = table.c.tenant_id
        assert not column.nullable, table.name
        assert column.index, table.name
        assert [fk.column.table.name for fk in column.foreign_keys] == ["tenant"], table.name


def test_unique_keys_are_per_village(app):
    from sqlalchemy import UniqueConstraint

    from tenants.scoping import tenant_tables

    for table in tenant_tables():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                names = [c.name for c in constraint.columns]
                assert "tenant_id" in names or names == ["key"], (table.name, names)


def test_production_refuses_default_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"DESA_ENV": "production"})
    config = load_config({"DESA_ENV": "production", "SECRET_KEY": "x" * 40})
    assert config["SESSION_COOKIE_SECURE"] is True


def test_defaults_are_embedded_shape():
    config = load_config({})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["BASE_DOMAIN"] == "tubankab.go.id"
    assert config["REDIS_URL"] is None and config["S3_BUCKET"] is None
    assert "localhost" in config["DEV_DOMAINS"]


def test_database_url_spellings():
    url = load_config({"DATABASE_URL": "postgres://u@h/db"})["SQLALCHEMY_DATABASE_URI"]
    assert url == "postgresql+psycopg://u@h/db"


def test_wsgi_entry_point_builds_the_app_and_settles_the_process():
    import gc
    import sys

    threshold = gc.get_threshold()
    sys.modules.pop("wsgi", None)
    try:
        import wsgi

        assert wsgi.app.name == "app"
        # start-up objects are frozen out of the collector's walks...
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] == 7000
        # ...and cycles made later are still collected, automatically too
        assert gc.isenabled()
        cycle = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_a_long_write_does_not_lock_readers_out(app, jlodro):
    """While another process holds a write transaction (an import, a reindex, an
    operator's upload), visitors are still served: PostgreSQL's readers never wait for
    writers, and SQLite runs in WAL mode for the same reason (in its default journal
    the reader waited five seconds and got an error page)."""
    import time

    from app.extensions import db
    from desa_testing import page_cache_off

    jlodro.get("/robots.txt")  # the host is resolved before the write starts
    with app.app_context():
        url = db.engine.url
        if url.get_backend_name() == "sqlite":
            mode = db.session.connection().exec_driver_sql("PRAGMA journal_mode").scalar()
            assert mode == "wal"
    if url.get_backend_name() == "sqlite":
        import sqlite3

        writer = sqlite3.connect(url.database, isolation_level=None, timeout=0.1)
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("UPDATE tenant SET name = name")
    else:
        import psycopg

        writer = psycopg.connect(url.set(drivername="postgresql")
                                 .render_as_string(hide_password=False))
        writer.execute("LOCK TABLE tenant, post, site_settings IN EXCLUSIVE MODE")
        writer.execute("UPDATE tenant SET name = name")
    try:
        started = time.monotonic()
        with page_cache_off(app):
            page = jlodro.get("/")
        assert page.status_code == 200, page.text[:300]
        assert time.monotonic() - started < 2
    finally:
        writer.rollback()
        writer.close()
