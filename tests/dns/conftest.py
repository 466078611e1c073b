"""Fixtures for dns_tools tests: real Knot DNS servers, a silent UDP socket,
a moto Route 53 server and a TLS test web server. Everything listens on
127.0.0.1 only. knotd missing -> the tests that need it are skipped."""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dnstools_env import (BROKEN_ZONE, KNOTD, MAIN_ZONE, TSIG_NAME, TSIG_SECRET, ZONE, free_port, start_knot,
                          stop_knot)


@pytest.fixture(scope="session")
def knot_servers(tmp_path_factory):
    """(main, broken): main serves tubankab.go.id; broken serves a zone that fails to load."""
    if not KNOTD:
        pytest.skip("knotd not installed (apt-get install knot knot-dnsutils)")
    base = tmp_path_factory.mktemp("knot")
    broken = start_knot(base / "broken", {f"rusak.{ZONE}": BROKEN_ZONE})
    main = start_knot(base / "main", {ZONE: MAIN_ZONE})
    yield main, broken
    stop_knot(main)
    stop_knot(broken)


@pytest.fixture(scope="session")
def silent_udp():
    """A UDP socket on 127.0.0.1 that never answers (timeouts, dead name server)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


@pytest.fixture(scope="session")
def knot(knot_servers):
    return knot_servers[0]


@pytest.fixture(scope="session")
def port_map(knot_servers, silent_udp):
    return {f"ns-mati.{ZONE}": silent_udp, f"ns-rusak.{ZONE}": knot_servers[1].port, f"ns1.{ZONE}": knot_servers[0].port}


@pytest.fixture(scope="session")
def tsig_key():
    from dns_tools import TsigKey
    return TsigKey(name=TSIG_NAME + ".", secret=TSIG_SECRET, algorithm="hmac-sha256")


# ---------------------------------------------------------------- Route 53 (moto)

@pytest.fixture(scope="session")
def moto_endpoint():
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(var, None)
    from moto.server import ThreadedMotoServer
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


# ---------------------------------------------------------------- HTTPS test server

class _Handler(BaseHTTPRequestHandler):
    sites: dict = {}

    def log_message(self, *a):  # quiet
        pass

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        site = self.sites.get(host)
        if site is None:
            self.send_error(404)
            return
        if self.path == "/.well-known/desa.json":
            body = json.dumps(site).encode()
            ctype = "application/json"
        elif self.path == "/":
            body = f"<h1>Desa {site['nama']}</h1>".encode()
            ctype = "text/html"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def https_server(tmp_path_factory):
    """TLS server picking its certificate by SNI; sites keyed by Host.

    Names: jlodro (valid), kedaluwarsa (expired cert), segera (expires in 5
    days), salahsertifikat (cert for another name), bukan (serves another
    village's code), all under tubankab.go.id.
    """
    import trustme
    d = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    ca_file = d / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    now = dt.datetime.now(dt.timezone.utc)
    certs = {
        f"jlodro.{ZONE}": ca.issue_cert(f"jlodro.{ZONE}"),
        f"kedaluwarsa.{ZONE}": ca.issue_cert(f"kedaluwarsa.{ZONE}", not_before=now - dt.timedelta(days=100),
                                             not_after=now - dt.timedelta(days=2)),
        f"segera.{ZONE}": ca.issue_cert(f"segera.{ZONE}", not_after=now + dt.timedelta(days=5, hours=12)),
        f"salahsertifikat.{ZONE}": ca.issue_cert(f"lain.{ZONE}"),
        f"bukan.{ZONE}": ca.issue_cert(f"bukan.{ZONE}"),
    }
    contexts = {}
    for name, cert in certs.items():
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(ctx)
        contexts[name] = ctx
    default_ctx = contexts[f"jlodro.{ZONE}"]

    def sni(sock, server_name, _ctx):
        if server_name in contexts:
            sock.context = contexts[server_name]

    default_ctx.sni_callback = sni
    sites = {}
    for slug, kode in (("jlodro", "35.23.01.2001"), ("kedaluwarsa", "35.23.01.2002"), ("segera", "35.23.01.2003"),
                       ("salahsertifikat", "35.23.01.2004"), ("bukan", "35.23.99.9999")):
        sites[f"{slug}.{ZONE}"] = {"kode": kode, "nama": slug.title(), "slug": slug, "kecamatan": "Kenduruan",
                                   "url": f"https://{slug}.{ZONE}/"}
    handler = type("H", (_Handler,), {"sites": sites})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.socket = default_ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield {"connect": f"127.0.0.1:{httpd.server_address[1]}", "ca_file": str(ca_file)}
    httpd.shutdown()
