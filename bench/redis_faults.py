#!/usr/bin/env python3
"""Capacity while Redis is down or hung, as a ratio to capacity with Redis up, in one run.

Starts a redis-server of its own on a free port (database 2; the machine's Redis is
not touched) and gunicorn (production settings, 2 workers) on a freshly seeded
database, warms every Tuban village's home page on each worker, then runs wrk
(16 connections, a Lua rotation over the 328 villages' Host headers) with Redis up,
hung (SIGSTOP), up again, killed (down), and up again after it restarts empty.
Prints requests/s, p50 and p99 latency, non-2xx answers, each phase's ratio to the
first phase with Redis up, and the log lines the outage produced.

    python bench/redis_faults.py
    python bench/redis_faults.py --database-url postgresql://postgres@127.0.0.1/desa_bench

Only loopback addresses are used.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_pages import (ROOT, flask, free_port, rotation_script, wait_port,  # noqa: E402
                              warm, wrk)

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def redis_server(folder: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed (apt-get install {tool.split('-')[0]})")

    tmp = Path(tempfile.mkdtemp(prefix="desa-bench-redis-"))
    redis_port = free_port()
    redis = redis_server(tmp, redis_port)
    env = dict(os.environ, FLASK_APP="wsgi", DESA_ENV="production", SECRET_KEY="bench-" + "x" * 40,
               INSTANCE_PATH=str(tmp / "instance"), REDIS_URL=f"redis://127.0.0.1:{redis_port}/2",
               DATABASE_URL=args.database_url or f"sqlite:///{tmp / 'bench.db'}",
               LOG_LEVEL="WARNING")
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}  redis: 127.0.0.1:{redis_port}/2")
    flask(env, "db", "upgrade")
    flask(env, "tenants", "import")
    flask(env, "demo", "seed")
    hosts = [line.split("\t")[3] for line in flask(env, "tenants", "list").splitlines()]
    rotation_script(tmp / "tuban.lua", hosts)

    log = tmp / "gunicorn.log"
    port = free_port()
    platform = subprocess.Popen([GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers",
                                 str(args.workers), "wsgi:app"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    wait_port(port)
    results: list[tuple[str, dict]] = []
    try:
        warm(port, ["tubankab.go.id"], path="/healthz", rounds=4 * args.workers)  # booted
        warm(port, hosts, rounds=2 * args.workers)
        wrk(port, script=tmp / "tuban.lua", seconds=2)

        def measure(label: str) -> None:
            results.append((label, wrk(port, script=tmp / "tuban.lua", seconds=args.seconds)))

        measure("redis up")
        redis.send_signal(signal.SIGSTOP)
        try:
            measure("redis hung (SIGSTOP)")
        finally:
            redis.send_signal(signal.SIGCONT)
        time.sleep(2)  # the breaker's probe closes it
        measure("redis up again")
        redis.kill()
        redis.wait(timeout=10)
        measure("redis down (killed)")
        redis = redis_server(tmp, redis_port)  # empty: a new lifetime, every page again
        time.sleep(2)
        measure("redis restarted empty")
    finally:
        platform.terminate()
        platform.wait(timeout=10)
        redis.kill()

    up = results[0][1]["rps"]
    print(f"\n{'phase':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'/ up':>6}")
    for label, r in results:
        print(f"{label:28} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {r['errors']:8d} "
              f"{r['rps'] / up:6.0%}")
    lines = [line for line in log.read_text().splitlines() if "WARNING" in line or "Traceback" in line]
    print(f"\nlog lines during the run ({len(lines)}, {args.workers} workers):")
    for line in lines:
        print("  " + line.split(" ", 2)[-1][:160])
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
