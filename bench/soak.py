#!/usr/bin/env python3
"""Soak: two gunicorn nodes under wrk for minutes while an operator keeps publishing.

The production shape (PostgreSQL, Redis, S3 through a local moto server, two nodes of
two workers each, no local state shared between nodes). wrk rotates over village
pages on both nodes for the whole run; an operator logs in on node 1 and publishes a
post every few seconds, alternately through node 1 and node 2. Every
``--sample-every`` seconds the resident memory of every worker is printed, so the
curve shows whether it levels off. At the end:

* every post whose save was acknowledged (a redirect after the form) must be in the
  database ("acknowledged writes lost"), and the newest one on the news list of both
  nodes (no node keeps an old page);
* wrk's count of answers other than 2xx/3xx;
* the memory curve, and the growth over the second half of the run.

    python bench/soak.py                     # 10 minutes
    python bench/soak.py --minutes 2 --sample-every 15

Only loopback addresses are used; the run stops by itself.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_pages import GUNICORN, PY, flask, free_port, wait_port, worker_rss_mb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
VILLAGE = "jlodro.tubankab.go.id"
OPERATOR = "operator@jlodro.id"
PASSWORD = "Soak-Operator-Rahasia-2026"


class Browser:
    """One cookie jar, any node, the village's Host header."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        sent = {"Host": VILLAGE, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, data

    def post_form(self, port: int, path: str, fields: dict):
        from urllib.parse import urlencode

        _, page = self.request(port, "GET", path)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        if token:
            fields = {**fields, "csrf_token": token.group(1).decode()}
        return self.request(port, "POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})


def wrk_script(path: Path) -> None:
    """Rotate over a few pages of a few villages (cached and first visits alike)."""
    hosts = [VILLAGE, "kebonsari.tubankab.go.id", "sumurgung-montong.tubankab.go.id",
             "tubankab.go.id"]
    pages = ["/", "/berita", "/pengumuman", "/agenda", "/profil"]
    with open(path, "w") as fh:
        fh.write("local hosts = {" + ",".join(f'"{h}"' for h in hosts) + "}\n")
        fh.write("local pages = {" + ",".join(f'"{p}"' for p in pages) + "}\n")
        fh.write("local i = 0\nrequest = function()\n  i = i + 1\n"
                 "  local h = hosts[i % #hosts + 1]\n"
                 "  local p = pages[math.floor(i / #hosts) % #pages + 1]\n"
                 "  if h == 'tubankab.go.id' then p = '/' end\n"
                 '  return wrk.format("GET", p, { Host = h })\nend\n')


def start_node(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen([GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", "2",
                             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ready(port: int, timeout: float = 180) -> None:
    """Wait until the workers answer (the master listens before they import the app)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"node on port {port} never answered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--sample-every", type=float, default=30)
    parser.add_argument("--publish-every", type=float, default=3)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    args = parser.parse_args()

    import boto3
    import psycopg
    import redis
    from moto.server import ThreadedMotoServer

    tmp = Path(tempfile.mkdtemp(prefix="desa-soak-"))
    database = f"desa_soak_{os.getpid()}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {database}")
        c.execute(f"CREATE DATABASE {database}")
    redis.Redis.from_url(args.redis_url).flushdb()
    s3_port = free_port()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port, verbose=False)
    s3.start()
    boto3.client("s3", endpoint_url=f"http://127.0.0.1:{s3_port}", aws_access_key_id="test",
                 aws_secret_access_key="test", region_name="us-east-1").create_bucket(
        Bucket="desa-media")
    env = dict(os.environ, FLASK_APP="wsgi", DESA_ENV="production", SESSION_COOKIE_SECURE="0",
               SECRET_KEY="soak-" + "s" * 40, DATABASE_URL=f"{PG}/{database}",
               REDIS_URL=args.redis_url, S3_BUCKET="desa-media",
               S3_ENDPOINT_URL=f"http://127.0.0.1:{s3_port}", S3_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_DEFAULT_REGION="us-east-1", LOG_LEVEL="WARNING",
               DESA_USER_PASSWORD=PASSWORD)
    flask(env, "db", "upgrade")
    flask(env, "tenants", "import")
    flask(dict(env, DESA_ENV="development"), "demo", "seed")
    flask(env, "users", "create", "--role", "admin", "--village", "jlodro", OPERATOR)

    ports = [free_port(), free_port()]
    nodes = [start_node(dict(env, INSTANCE_PATH=str(tmp / f"node{n}")), port)
             for n, port in enumerate(ports, 1)]
    stop = threading.Event()
    acknowledged: list[str] = []
    refused: list[str] = []
    try:
        for port in ports:
            wait_port(port)
            ready(port)
        operator = Browser()
        status, _ = operator.post_form(ports[0], "/admin/login",
                                       {"email": OPERATOR, "password": PASSWORD})
        if status != 302:
            raise SystemExit(f"operator login answered {status}")

        def publish() -> None:
            n = 0
            while not stop.wait(args.publish_every):
                n += 1
                title = f"Kabar soak nomor {n} {time.time():.0f}"
                try:
                    status, _ = operator.post_form(ports[n % 2], "/admin/c/post/new", {
                        "title": title, "body_md": f"Isi berita {n}.\n\n" + "Paragraf. " * 60,
                        "status": "published"})
                except OSError as exc:
                    refused.append(f"{title}: {exc}")
                    continue
                (acknowledged if status == 302 else refused).append(title)

        script = tmp / "soak.lua"
        wrk_script(script)
        seconds = int(args.minutes * 60)
        loads = [subprocess.Popen(["wrk", "-t1", "-c8", f"-d{seconds}s", "-s", str(script),
                                   f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE,
                                  text=True) for port in ports]
        writer = threading.Thread(target=publish, daemon=True)
        writer.start()
        started = time.monotonic()
        curve: list[tuple[float, list[float]]] = []
        print("minute  node1 workers RSS (MB)   node2 workers RSS (MB)   posts")
        while time.monotonic() - started < seconds:
            rss = [worker_rss_mb(node) for node in nodes]
            minute = (time.monotonic() - started) / 60
            curve.append((minute, [r for node_rss in rss for r in node_rss]))
            print(f"{minute:6.1f}  {' '.join(f'{r:6.1f}' for r in rss[0]):24} "
                  f"{' '.join(f'{r:6.1f}' for r in rss[1]):24} {len(acknowledged):5}", flush=True)
            time.sleep(args.sample_every)
        stop.set()
        writer.join(timeout=60)
        outputs = [load.communicate(timeout=120)[0] for load in loads]
        stale_nodes = []
        if acknowledged:
            for port in ports:
                _, page = Browser().request(port, "GET", "/berita")
                if acknowledged[-1].encode() not in page:
                    stale_nodes.append(port)
    finally:
        stop.set()
        for node in nodes:
            node.terminate()
        for node in nodes:
            try:
                node.wait(timeout=15)
            except subprocess.TimeoutExpired:
                node.kill()

    requests_done = errors = 0
    for out in outputs:
        done = re.search(r"(\d+) requests in", out)
        requests_done += int(done.group(1)) if done else 0
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors += int(bad.group(1)) if bad else 0
        failed = re.search(r"Socket errors: (.*)", out)
        if failed:
            print("wrk socket errors:", failed.group(1))

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as c:
        stored = {row[0] for row in c.execute("SELECT title FROM post")}
    lost = [t for t in acknowledged if t not in stored]
    s3.stop()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

    peaks = [max(rss) for _, rss in curve if rss]
    half = len(peaks) // 2
    print(f"\nrequests: {requests_done}, non-2xx/3xx: {errors}")
    print(f"posts acknowledged: {len(acknowledged)}, refused or failed: {len(refused)}, "
          f"acknowledged but lost: {len(lost)}")
    if peaks:
        print(f"largest worker RSS: {max(peaks):.1f} MB; at the half-way sample "
              f"{peaks[half]:.1f} MB, at the end {peaks[-1]:.1f} MB "
              f"(growth over the second half: {peaks[-1] - peaks[half]:+.1f} MB)")
    print(f"nodes whose news list lacks the newest post: {len(stale_nodes)}")
    if lost or errors or stale_nodes:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
