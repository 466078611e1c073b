"""How requests use PostgreSQL connections (app.database), on a real server.

Public reads run in autocommit (no BEGIN/ROLLBACK round trips), every other request
keeps its transaction; a connection the server killed while it sat idle is replaced
before a request uses it, and a connection lost while busy costs one polite 503.
Runs in both suite runs, against its own database on 127.0.0.1:5432.
"""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from app import create_app
from app.extensions import db
from desa_testing import host

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgresql://postgres@127.0.0.1:5432"
IDLE = 0.3  # seconds: DATABASE_PING_AFTER_IDLE of the app under test


def _postgres_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory):
    if not _postgres_running():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    import psycopg
    from flask_migrate import upgrade

    from tenants.provisioning import import_villages, read_villages
    from tenants.scoping import system_scope

    database = f"desa_connections_{os.getpid()}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {database}")
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        "PAGE_CACHE": False,
        "WTF_CSRF_ENABLED": False,
        "DATABASE_PING_AFTER_IDLE": IDLE,
    })
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with system_scope():
            import_villages(read_villages(), "tubankab.go.id", "active")
    app.config["_DATABASE"] = database
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


@pytest.fixture()
def transaction_states(pg_app):
    """The server-side transaction status seen by every statement the app sends."""
    with pg_app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn, _cursor, _statement, *_args):
        seen.append(conn.connection.dbapi_connection.info.transaction_status.name)

    event.listen(engine, "after_cursor_execute", record)
    yield seen
    event.remove(engine, "after_cursor_execute", record)


def _kill_idle_connections(database: str) -> int:
    """What a database restart, an idle timeout or a firewall does to pooled connections."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as c:
        return len(c.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchall())


def test_public_reads_run_without_a_transaction(pg_app, transaction_states):
    client = pg_app.test_client()
    for path in ("/", "/berita", "/profil"):
        assert client.get(path, headers={"Host": host("jlodro")}).status_code == 200
    assert client.get("/", headers={"Host": "tubankab.go.id"}).status_code == 200
    assert transaction_states and set(transaction_states) == {"IDLE"}, transaction_states


def test_requests_that_may_write_keep_their_transaction(pg_app, transaction_states):
    client = pg_app.test_client()
    response = client.post("/admin/login", headers={"Host": host("jlodro")},
                           data={"email": "nobody@example.org", "password": "salah-sekali"})
    assert response.status_code in (200, 400, 401, 429)
    assert "INTRANS" in transaction_states, transaction_states
    assert "IDLE" not in transaction_states


def test_a_connection_killed_while_idle_is_replaced_before_use(pg_app):
    client = pg_app.test_client()
    assert client.get("/", headers={"Host": host("jlodro")}).status_code == 200
    assert _kill_idle_connections(pg_app.config["_DATABASE"]) >= 1
    time.sleep(IDLE + 0.2)
    response = client.get("/berita", headers={"Host": host("jlodro")})
    assert response.status_code == 200


def test_a_connection_lost_while_busy_costs_one_polite_503(pg_app):
    """The price of not pinging busy connections: one request, then the pool is fresh."""
    client = pg_app.test_client()
    pg_app.config["DATABASE_PING_AFTER_IDLE"] = 3600
    try:
        assert client.get("/", headers={"Host": host("jlodro")}).status_code == 200
        assert _kill_idle_connections(pg_app.config["_DATABASE"]) >= 1
        failed = client.get("/", headers={"Host": host("jlodro")})
        assert failed.status_code == 503
        assert failed.headers["Retry-After"] == "5"
        page = failed.get_data(as_text=True)
        assert "Layanan sedang tidak tersedia" in page and "Traceback" not in page
        assert "Silakan muat ulang halaman ini dalam beberapa detik" in page
        assert client.get("/", headers={"Host": host("jlodro")}).status_code == 200
    finally:
        pg_app.config["DATABASE_PING_AFTER_IDLE"] = IDLE
