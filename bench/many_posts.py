#!/usr/bin/env python3
"""A village with many posts against a village with three: home and news list, uncached.

Builds a fresh database (migrations, the Tuban villages, the demo content), gives
one demo village (kebonsari) ``--posts`` more posts (most published, some drafts,
some in the trash, spread over years, in two categories, some with a cover), then
serves ``/`` and ``/berita`` (first and a deep page) of both villages in-process
with the page cache off, and prints the median and 90th percentile per request and
the ratio big/small. ``--explain`` also prints the query plans of the statements
the big village's pages run, to check that they read an index instead of sorting
every post of the village.

    python bench/many_posts.py                          # SQLite in a temporary folder
    python bench/many_posts.py --database-url postgresql+psycopg://postgres@127.0.0.1/desa_bench

The PostgreSQL database is emptied first (its ``public`` schema is dropped).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIG, SMALL = "kebonsari", "jlodro"
PAGES = ("/", "/berita", "/berita?halaman=50")


def flask(env: dict, *args: str) -> None:
    out = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stderr[-2000:]}")


def prepare(database_url: str, instance: Path) -> dict:
    env = dict(os.environ, FLASK_APP="wsgi", DATABASE_URL=database_url, PAGE_CACHE="0",
               INSTANCE_PATH=str(instance), DESA_ENV="development")
    env.pop("REDIS_URL", None)
    if database_url.startswith("postgres"):
        from sqlalchemy import create_engine

        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        engine.dispose()
    flask(env, "db", "upgrade")
    flask(env, "tenants", "import")
    flask(env, "demo", "seed")
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "PAGE_CACHE", "INSTANCE_PATH",
                                           "DESA_ENV")})
    os.environ.pop("REDIS_URL", None)
    return env


def add_posts(count: int) -> None:
    """``count`` posts in the big village, inserted in bulk (system work, like an import)."""
    from sqlalchemy import func, insert, select

    from app.extensions import db
    from app.models import DRAFT, PUBLISHED, Category, MediaFile, Post
    from app.models.base import utcnow
    from tenants.models import Tenant
    from tenants.scoping import system_scope

    with system_scope():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == BIG))
        categories = []
        for slug, name in (("kegiatan-lain", "Kegiatan lain"), ("ekonomi", "Ekonomi")):
            category = Category(tenant_id=tenant.id, slug=slug, name=name)
            db.session.add(category)
            categories.append(category)
        cover = MediaFile(tenant_id=tenant.id, key=f"{tenant.code}/bench/sampul.jpg",
                          kind="image", content_type="image/jpeg")
        db.session.add(cover)
        db.session.flush()
        now = utcnow()
        rows = []
        for n in range(count):
            trashed = n % 97 == 0
            rows.append(dict(
                tenant_id=tenant.id, slug=f"berita-{n}", title=f"Berita nomor {n}",
                excerpt=f"Ringkasan berita nomor {n}.", author_name="Operator",
                body_md=f"Isi berita nomor {n}.", body_html=f"<p>Isi berita nomor {n}.</p>",
                status=DRAFT if n % 10 == 0 else PUBLISHED,
                published_at=now - timedelta(hours=3 * (count - n)),
                deleted_at=now if trashed else None,
                category_id=categories[n % 2].id, cover_id=cover.id if n % 3 == 0 else None,
                created_at=now, updated_at=now, version_id=1))
        db.session.execute(insert(Post), rows)
        db.session.commit()
        total = db.session.scalar(
            select(func.count()).select_from(Post).where(Post.tenant_id == tenant.id)
            .execution_options(include_trashed=True))
    if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"{BIG}: {total} posts")


def timed(client, host: str, path: str, rounds: int) -> list[float]:
    for _ in range(5):  # warm: the host resolved, templates compiled, statements cached
        assert client.get(path, headers={"Host": host}).status_code == 200, (host, path)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(path, headers={"Host": host})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


def explain(app, client, host: str, path: str) -> None:
    """The plan of every statement the page runs."""
    from sqlalchemy import event

    from app.extensions import db

    seen = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        client.get(path, headers={"Host": host})
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    print(f"\n### {host}{path}")
    with engine.connect() as conn:
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            print("\n" + " ".join(statement.split())[:300])
            cursor = conn.connection.driver_connection.cursor()
            cursor.execute(prefix + statement, parameters)
            for row in cursor.fetchall():
                print("   ", row[-1] if not postgres else row[0])
            cursor.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="desa-many-posts-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    prepare(database_url, tmp / "instance")
    print(f"database: {database_url.split('@')[-1]}")

    sys.path.insert(0, str(ROOT))
    from app import create_app

    app = create_app()
    with app.app_context():
        add_posts(args.posts)
    client = app.test_client()
    hosts = {name: f"{name}.tubankab.go.id" for name in (SMALL, BIG)}
    print(f"\n{'page':22} {'small p50':>10} {'p90':>7} {'big p50':>9} {'p90':>7} {'big/small':>10}")
    for path in PAGES:
        small = timed(client, hosts[SMALL], path if "halaman" not in path else "/berita",
                      args.rounds)
        big = timed(client, hosts[BIG], path, args.rounds)
        p50s, p50b = statistics.median(small), statistics.median(big)
        p90s = statistics.quantiles(small, n=10)[-1]
        p90b = statistics.quantiles(big, n=10)[-1]
        print(f"{path:22} {p50s:8.2f}ms {p90s:5.2f}ms {p50b:7.2f}ms {p90b:5.2f}ms "
              f"{p50b / p50s:9.2f}x")
    if args.explain:
        for path in PAGES:
            explain(app, client, hosts[BIG], path)


if __name__ == "__main__":
    main()
