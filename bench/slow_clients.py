"""Slow-header test: can a few slow clients starve a node?

Ten connections send a request's headers one byte a second (reconnecting when
they are dropped) while another client asks ``/healthz`` every half second with
a 3-second timeout. Run against the production node settings
(``gunicorn -c deploy/gunicorn.conf.py``, sync workers) reached directly, and
through the shipped front (``deploy/nginx-compose.conf``, needs ``nginx`` on the
PATH: ``apt-get install nginx-light``).

    .venv/bin/python bench/slow_clients.py [--seconds 60] [--slow 10] [--shape direct,nginx]

Prints, per shape, how many of the other client's requests were served and
their latency.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on port {port}")


def start_node(tmp: Path, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, FLASK_APP="wsgi", DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}", REDIS_URL="",
               INSTANCE_PATH=str(tmp), GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(workers))
    env.pop("DESA_ENV", None)
    env["GUNICORN_CMD_ARGS"] = "--access-logfile /dev/null"
    proc = subprocess.Popen([str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_ready(port)
    return proc, port


def start_nginx(tmp: Path, node_port: int) -> tuple[subprocess.Popen, int]:
    """nginx with the compose front's server block, its upstream pointed at the node."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    server = (ROOT / "deploy" / "nginx-compose.conf").read_text()
    server = re.sub(r"server app\d:8000", f"server 127.0.0.1:{node_port}", server)
    server = server.replace("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
    server = server.replace("listen [::]:80 default_server;", "")
    server = server.replace("/var/cache/nginx/desa", str(tmp / "nginx-cache"))
    (tmp / "server.conf").write_text(server)
    (tmp / "nginx.conf").write_text(f"""
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {tmp}/server.conf;
}}
""")
    proc = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    wait_ready(port)
    return proc, port


def slow_client(port: int, stop: threading.Event, counts: dict) -> None:
    """Headers one byte a second, never finished; reconnect when dropped."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                counts["connections"] += 1
                s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
                while not stop.wait(1.0):
                    s.sendall(b"a")
        except OSError:
            counts["dropped"] += 1
            stop.wait(0.2)


def probe(port: int, seconds: float) -> dict:
    served, failed, latencies = 0, 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as r:
                r.read()
                ok = r.status == 200
        except OSError:
            ok = False
        elapsed = time.monotonic() - t0
        if ok:
            served += 1
            latencies.append(elapsed)
        else:
            failed += 1
        time.sleep(max(0.0, 0.5 - elapsed))
    return {"served": served, "failed": failed,
            "p50_ms": round(1000 * statistics.median(latencies)) if latencies else None,
            "max_ms": round(1000 * max(latencies)) if latencies else None}


def measure(shape: str, seconds: float, slow: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="desa-slow-") as tmpdir:
        tmp = Path(tmpdir)
        procs = []
        try:
            node, port = start_node(tmp, workers)
            procs.append(node)
            if shape == "nginx":
                front, port = start_nginx(tmp, port)
                procs.append(front)
            stop = threading.Event()
            counts = {"connections": 0, "dropped": 0}
            threads = [threading.Thread(target=slow_client, args=(port, stop, counts), daemon=True)
                       for _ in range(slow)]
            for t in threads:
                t.start()
            time.sleep(2)  # let them take their places
            result = probe(port, seconds)
            stop.set()
            for t in threads:
                t.join(timeout=6)
            return {"shape": shape, **result, **counts}
        finally:
            for p in reversed(procs):
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--slow", type=int, default=10, help="slow connections")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (the image's default)")
    parser.add_argument("--shape", default="direct,nginx")
    args = parser.parse_args()
    print(f"{args.slow} slow clients (headers 1 byte/s), another client asks every 0.5 s "
          f"(timeout 3 s) for {args.seconds:.0f} s; gunicorn -c deploy/gunicorn.conf.py, "
          f"{args.workers} sync workers")
    for shape in args.shape.split(","):
        r = measure(shape, args.seconds, args.slow, args.workers)
        total = r["served"] + r["failed"]
        print(f"{shape:7} served {r['served']}/{total}  p50 {r['p50_ms']} ms  max {r['max_ms']} ms  "
              f"(slow connections opened {r['connections']}, dropped {r['dropped']})")


if __name__ == "__main__":
    main()
