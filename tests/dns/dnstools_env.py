"""Helpers for the dns_tools tests: constants, the test zones and a Knot DNS launcher.
(A module with a unique name, importable from tests/dns, which is not a package:
a package named ``dns`` there would shadow dnspython.)"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PLATFORM_V4 = "203.0.113.10"
PLATFORM_V6 = "2001:db8::10"
ELSEWHERE = "198.51.100.7"
ZONE = "tubankab.go.id"
TSIG_NAME = "dnscheck-key"
TSIG_SECRET = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
KNOTD = shutil.which("knotd") or ("/usr/sbin/knotd" if os.path.exists("/usr/sbin/knotd") else None)


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port")


MAIN_ZONE = f"""$ORIGIN {ZONE}.
$TTL 300
@           SOA   ns1 hostmaster 1 3600 900 604800 300
@           NS    ns1
ns1         A     127.0.0.1
desa        A     {PLATFORM_V4}
desa        AAAA  {PLATFORM_V6}
jlodro      A     {PLATFORM_V4}
jlodro      AAAA  {PLATFORM_V6}
sokogunung  CNAME desa
ttlnol  0   A     {PLATFORM_V4}
HurufBesar  A     {PLATFORM_V4}
salah       A     {ELSEWHERE}
sebagian    A     {PLATFORM_V4}
sebagian    A     {ELSEWHERE}
kosong      TXT   "tanpa alamat"
gantung     CNAME tidak-ada
salahcname  CNAME luar
luar        A     {ELSEWHERE}
putar1      CNAME putar2
putar2      CNAME putar1
lumpuh      NS    ns-mati
ns-mati     A     127.0.0.1
lumpuh2     NS    ns1
rusak       NS    ns-rusak
ns-rusak    A     127.0.0.1
*.wc        A     {PLATFORM_V4}
terdaftar.wc A    {PLATFORM_V4}
perbaiki1   A     {ELSEWHERE}
perbaiki2   CNAME tidak-ada-juga
bukandesa   A     {ELSEWHERE}
"""
BROKEN_ZONE = f"""$ORIGIN rusak.{ZONE}.
$TTL 300
@   SOA ns-rusak.{ZONE}. hostmaster 1 3600 900 604800 300
@   NS  ns-rusak.{ZONE}.
www A   this-is-not-an-address
"""


@dataclass
class Knot:
    port: int
    dir: Path
    proc: subprocess.Popen

    @property
    def addr(self) -> str:
        return f"127.0.0.1:{self.port}"


def _knot_conf(d: Path, port: int, zones: list[str]) -> str:
    zs = "\n".join(f"  - domain: {z}\n    acl: tsig" for z in zones)
    return f"""server:
    rundir: "{d}/run"
    user: root:root
    listen: 127.0.0.1@{port}
    udp-workers: 2
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{d}/db"
log:
  - target: "{d}/knot.log"
    any: info
key:
  - id: {TSIG_NAME}
    algorithm: hmac-sha256
    secret: {TSIG_SECRET}
acl:
  - id: tsig
    key: {TSIG_NAME}
    action: [transfer, update]
template:
  - id: default
    storage: "{d}/zones"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: changes
    semantic-checks: off
zone:
{zs}
"""


def start_knot(d: Path, zones: dict[str, str]) -> Knot:
    for sub in ("run", "db", "zones"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    for z, text in zones.items():
        (d / "zones" / f"{z}.zone").write_text(text)
    port = free_port()
    (d / "knot.conf").write_text(_knot_conf(d, port, list(zones)))
    proc = subprocess.Popen([KNOTD, "-c", str(d / "knot.conf")], stdout=subprocess.DEVNULL,
                            stderr=open(d / "stderr.log", "w"))
    knot = Knot(port, d, proc)
    # Ready when it answers a SOA query for its first zone (any rcode).
    import dns.message
    import dns.query
    first = next(iter(zones))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"knotd exited: {(d / 'stderr.log').read_text()}")
        try:
            dns.query.udp(dns.message.make_query(first, "SOA"), "127.0.0.1", port=port, timeout=0.2)
            return knot
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("knotd did not start")


def stop_knot(k: Knot) -> None:
    k.proc.terminate()
    try:
        k.proc.wait(5)
    except subprocess.TimeoutExpired:
        k.proc.kill()


