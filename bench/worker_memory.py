#!/usr/bin/env python3
"""Memory benchmark: one gunicorn worker serves the home page of every village of
Indonesia once, and its resident memory is read before and after.

This is the worst case for a worker's memory: every village resolved and a page
cache full of pages nobody asks for twice. The in-process caches are bounded
(``TENANT_CACHE_SIZE`` hosts, ``PAGE_CACHE_MEMORY_MB`` of pages), so the figure
must level off below the target (150 MB) however many villages are provisioned.
The baseline, measured in the same run, is a worker of the bare Flask hello world.

    python bench/worker_memory.py                 # SQLite, page cache on
    python bench/worker_memory.py --database-url postgresql://postgres@127.0.0.1/desa_bench

Only loopback addresses are used.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_pages import flask, start, worker_rss_mb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def visit_every_host_once(port: int, hosts: list[str], clients: int = 4) -> int:
    """GET / of every village exactly once (a few clients, so the worker never waits
    for the next request); returns how many were answered with 200."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    def get(host: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/", headers={"Host": host})
        status = conn.getresponse().status
        conn.close()
        return status

    with ThreadPoolExecutor(clients) as pool:
        return sum(status == 200 for status in pool.map(get, hosts, chunksize=64))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--page-cache", default="1", choices=("0", "1"))
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="desa-memory-"))
    env = dict(os.environ, FLASK_APP="wsgi", DESA_ENV="production", SECRET_KEY="bench-" + "x" * 40,
               INSTANCE_PATH=str(tmp / "instance"), REDIS_URL=args.redis_url,
               DATABASE_URL=args.database_url or f"sqlite:///{tmp / 'bench.db'}",
               LOG_LEVEL="WARNING", PAGE_CACHE=args.page_cache)
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}  redis: {args.redis_url or 'no'}  "
          f"page cache: {'on' if args.page_cache == '1' else 'off'}")
    flask(env, "db", "upgrade")
    flask(env, "tenants", "import")
    flask(env, "demo", "seed")
    flask(env, "tenants", "import", "--regency", "ALL")
    hosts = [line.split("\t")[3] for line in flask(env, "tenants", "list").splitlines()]

    hello, _ = start("bench.hello:app", env, 1)
    try:
        baseline = worker_rss_mb(hello)[0]
    finally:
        hello.terminate()
    platform, port = start("wsgi:app", env, 1)
    try:
        booted = worker_rss_mb(platform)[0]
        t0 = time.monotonic()
        served = visit_every_host_once(port, hosts)
        elapsed = time.monotonic() - t0
        after = worker_rss_mb(platform)[0]
    finally:
        platform.terminate()
        platform.wait(timeout=10)
    print(f"\n{'worker':52} {'RSS MB':>7}")
    print(f"{'bare Flask hello world (baseline)':52} {baseline:7.0f}")
    print(f"{'platform, after start and health checks':52} {booted:7.0f}")
    print(f"{f'platform, after serving {served:,} villages once ({elapsed:.0f} s)':52} "
          f"{after:7.0f}")
    print(f"growth while serving: {after - booted:.0f} MB; "
          f"{after / baseline:.1f}x the hello-world worker; target < 150 MB")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
