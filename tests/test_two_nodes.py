"""Two stateless gunicorn nodes sharing PostgreSQL, Redis and an S3 endpoint.

An operator logs in on node 1 and keeps working on node 2; a post published on
node 1 is visible on node 2 at once (its page cache is invalidated through
Redis); an upload through node 1 is served by node 2 (from S3); a village that
Diskominfo suspends from another process is suspended on every worker of both
nodes at once (the registry generation reaches them by Redis pub/sub)."""
from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
HOST = "jlodro.tubankab.go.id"
PASSWORD = "Dua-Node-Rahasia-2026"


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A tiny HTTP client: one cookie jar, any node, the village's Host header."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        sent = {"Host": HOST, **(headers or {})}
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
        return response.status, dict(response.getheaders()), data

    def csrf(self, port: int, path: str) -> str:
        _, _, page = self.request(port, "GET", path)
        return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()

    def post_form(self, port: int, path: str, fields: dict, files: dict | None = None):
        from urllib3 import encode_multipart_formdata

        body, content_type = encode_multipart_formdata({**fields, **(files or {})})
        return self.request(port, "POST", path, body,
                            {"Content-Type": content_type, "Accept": "application/json"
                             if files else "text/html"})


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    if not _port_open(5432):
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    if not _port_open(6379):
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed")
    moto_server = pytest.importorskip("moto.server")
    import boto3
    import psycopg
    import redis

    tmp = tmp_path_factory.mktemp("nodes")
    database = f"desa_nodes_{os.getpid()}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {database}")
        c.execute(f"CREATE DATABASE {database}")
    redis.Redis.from_url("redis://127.0.0.1:6379/14").flushdb()
    s3_port = _free_port()
    s3 = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port)
    s3.start()
    aws = dict(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_DEFAULT_REGION="us-east-1")
    boto3.client("s3", endpoint_url=f"http://127.0.0.1:{s3_port}", **{
        "aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1",
    }).create_bucket(Bucket="desa-media")
    env = dict(os.environ, **aws, FLASK_APP="wsgi", DESA_ENV="production",
               SECRET_KEY="two-nodes-" + "s" * 40, SESSION_COOKIE_SECURE="0",
               DATABASE_URL=f"{PG}/{database}", REDIS_URL="redis://127.0.0.1:6379/14",
               S3_BUCKET="desa-media", S3_ENDPOINT_URL=f"http://127.0.0.1:{s3_port}",
               S3_REGION="us-east-1", S3_PREFIX="nodes-test", LOG_LEVEL="WARNING",
               DESA_USER_PASSWORD=PASSWORD)
    run = dict(cwd=ROOT, check=True, capture_output=True, timeout=180)
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, **run)
    subprocess.run([sys.executable, "-m", "flask", "tenants", "import"], env=env, **run)
    subprocess.run([sys.executable, "-m", "flask", "users", "create", "--role", "admin",
                    "--village", "jlodro", "operator@jlodro.id"], env=env, **run)
    procs, ports = [], []
    for n in (1, 2):
        port = _free_port()
        node_env = dict(env, INSTANCE_PATH=str(tmp / f"node{n}"))  # nothing local is shared
        procs.append(subprocess.Popen(
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
            cwd=ROOT, env=node_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        ports.append(port)
    deadline = time.monotonic() + 30
    while not all(_port_open(p) for p in ports):
        if time.monotonic() > deadline:
            for p in procs:
                p.kill()
            pytest.fail("gunicorn nodes did not start")
        time.sleep(0.1)
    for port in ports:  # the workers load the app after the master listens
        while True:
            try:
                if Browser().request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline + 60:
                for p in procs:
                    p.kill()
                pytest.fail("gunicorn workers did not answer")
    yield ports, env
    for p in procs:
        p.terminate()
        p.wait(timeout=10)
    s3.stop()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def test_operator_session_posts_and_uploads_move_between_nodes(nodes):
    (node1, node2), _env = nodes
    browser = Browser()
    token = browser.csrf(node1, "/admin/login")
    status, headers, _ = browser.post_form(node1, "/admin/login", {
        "email": "operator@jlodro.id", "password": PASSWORD, "csrf_token": token})
    assert status == 302, headers

    # the session made on node 1 works on node 2
    status, _, page = browser.request(node2, "GET", "/admin/")
    assert status == 200 and b"operator@jlodro.id" in page

    # an anonymous visitor has node 2's page cache warm
    visitor = Browser()
    assert visitor.request(node2, "GET", "/berita")[0] == 200
    status, headers, _ = visitor.request(node2, "GET", "/berita")
    assert headers.get("X-Cache") == "HIT"

    # publish on node 1 ...
    token = browser.csrf(node1, "/admin/c/post/new")
    status, _, _ = browser.post_form(node1, "/admin/c/post/new", {
        "title": "Kabar dari node satu", "body_md": "Isi berita", "status": "published",
        "csrf_token": token})
    assert status == 302
    # ... visible on node 2 at once, not a stale cached page
    status, headers, page = visitor.request(node2, "GET", "/berita")
    assert status == 200 and b"Kabar dari node satu" in page

    # upload through node 1, served by node 2
    from PIL import Image
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 60)).save(buffer, "PNG")
    token = browser.csrf(node2, "/admin/media")
    status, _, body = browser.post_form(
        node1, "/admin/media/upload", {"csrf_token": token},
        files={"file": ("foto.png", buffer.getvalue(), "image/png")})
    assert status == 200, body
    url = re.search(rb'"url":\s*"([^"]+)"', body).group(1).decode()
    status, headers, image = visitor.request(node2, "GET", url)
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(image)).size == (64, 48)


def test_a_registry_change_reaches_every_worker_of_every_node_at_once(nodes):
    (node1, node2), env = nodes
    visitor = Browser()
    for _ in range(8):  # both workers of both nodes know the village, pages cached
        for node in (node1, node2):
            assert visitor.request(node, "GET", "/")[0] == 200

    def set_status(status: str) -> None:
        subprocess.run([sys.executable, "-m", "flask", "tenants", "status", "jlodro", status],
                       env=env, cwd=ROOT, check=True, capture_output=True, timeout=60)

    set_status("suspended")
    try:
        for _ in range(8):
            for node in (node1, node2):
                status, _, page = visitor.request(node, "GET", "/")
                assert status == 503 and b"pemeliharaan" in page
    finally:
        set_status("active")
    for _ in range(8):
        for node in (node1, node2):
            assert visitor.request(node, "GET", "/")[0] == 200
